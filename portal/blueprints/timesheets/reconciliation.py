"""Rapprocher avec Avantage: a committed batch against what Avantage holds now."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.timesheets import bp
from portal.blueprints.timesheets.export import admin_required
from portal.errors import PortalError
from portal.extensions import htmx
from portal.i18n import gettext as _
from portal.models import ReconciliationStatus
from portal.services import corrections, export_queries, reconciliation


@bp.app_template_global("modified_in_avantage")
def modified_in_avantage(sheet_id: int) -> bool:
    """The sheet's « Modifié dans Avantage » badge (the last reconciliation found a change)."""
    return sheet_id in reconciliation.changed_sheets({sheet_id})


def _context(batch) -> dict:
    latest = reconciliation.latest(batch)
    done = latest is not None and latest.status == ReconciliationStatus.DONE
    return {
        "batch": batch,
        "reconciliation": latest,
        "differences": reconciliation.differences(latest) if latest else [],
        "alignable": corrections.alignable_sheets(latest) if done else [],
    }


@bp.get("/exportation/lots/<int:batch_id>/rapprochement")
@login_required
@admin_required
def reconciliation_section(batch_id: int):
    """The batch's last reconciliation and its differences (polled while it runs)."""
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    under_way = reconciliation.active_for(batch)
    if under_way is not None:
        jobs.refresh_reconciliation(under_way)
    return page_or_fragment(
        "timesheets/reconciliation.html",
        "timesheets/_reconciliation.html",
        fragment_target="reconciliation",
        **_context(batch),
    )


@bp.post("/exportation/lots/<int:batch_id>/rapprocher")
@login_required
@admin_required
def reconcile(batch_id: int):
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    page = url_for("timesheets.reconciliation_section", batch_id=batch.id)
    try:
        jobs.start_reconciliation(batch, current_user)
    except PortalError as error:
        if not htmx:
            flash(error.message, "error")
            return redirect(page, 303)
        return fragment_with_toast(
            "timesheets/_reconciliation.html", error.message, "error", **_context(batch)
        )
    message = _("Rapprochement lancé : le portail lit ce qu'Avantage détient de ce lot.")
    if not htmx:
        flash(message, "success")
        return redirect(page, 303)
    return fragment_with_toast(
        "timesheets/_reconciliation.html", message, "success", **_context(batch)
    )
