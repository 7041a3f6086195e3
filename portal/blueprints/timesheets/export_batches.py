"""Exportation vers la paie, after Envoyer: the batches sent, a batch's page and progress,
Reprendre, and Envoyer seulement les feuilles valides."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints.timesheets import bp
from portal.blueprints.timesheets.export import admin_required, confirm_send, progress_context
from portal.errors import PortalError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import BatchStatus, ExportBatch
from portal.services import export_batch_view, export_messages, export_queries, export_review
from portal.services.export_batch import PlanChangedError, create_batch, prepare
from portal.web import toast

STOP_POLLING = 286
#: Sent with the last poll of a batch: the sheet list of the page reloads itself.
FINISHED_EVENT = "export-finished"


@bp.get("/exportation/lots")
@login_required
@admin_required
def export_batches():
    pagination = export_queries.list_batches(
        current_user.company_id, page=request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "timesheets/batches.html", pagination=pagination, args={}, active_tab="batches"
    )


@bp.get("/exportation/lots/<int:batch_id>")
@login_required
@admin_required
def export_batch(batch_id: int):
    batch = jobs.refresh_export(export_queries.get_batch(current_user.company_id, batch_id))
    labels = export_review.Labels(batch.integration_id)
    summary = export_batch_view.review(batch, labels)
    sheets = export_batch_view.sheet_page(
        batch, summary, request.args.get("page", 1, type=int) or 1, labels
    )
    return render_template(
        "timesheets/batch.html",
        **progress_context(batch),
        summary=summary,
        pagination=sheets,
        args={},
        rejection_sentence=export_messages.rejection_sentence,
        active_tab="batches",
    )


@bp.get("/exportation/lots/<int:batch_id>/progression")
@login_required
@admin_required
def export_progress(batch_id: int):
    batch = jobs.refresh_export(export_queries.get_batch(current_user.company_id, batch_id))
    body = render_template("timesheets/_export_progress.html", **progress_context(batch))
    if request.args.get("poll") == "1" and batch.status.final:
        trigger = {**_summary_toast(batch), FINISHED_EVENT: {"batch": batch.id}}
        return make_response(body, STOP_POLLING, trigger=trigger)
    return body


def _summary_toast(batch: ExportBatch) -> dict:
    if batch.status == BatchStatus.COMMITTED:
        return toast(
            _(
                "Lot %(batch)s accepté par Avantage : %(lines)d ligne(s) de %(sheets)d "
                "feuille(s) envoyée(s).",
                batch=batch.avantage_batch,
                lines=batch.accepted,
                sheets=batch.sheet_count,
            )
        )
    if batch.status == BatchStatus.REJECTED:
        return toast(
            _(
                "Avantage a refusé le lot : %(n)d ligne(s) en erreur. Rien n'a été "
                "enregistré; voyez les erreurs sous chaque feuille.",
                n=batch.rejected_count,
            ),
            "error",
        )
    return toast(
        _(
            "L'envoi n'a pas abouti : %(message)s",
            message=(batch.error or {}).get("message_fr", ""),
        ),
        "error",
    )


@bp.post("/exportation/lots/<int:batch_id>/reprendre")
@login_required
@admin_required
def export_resume(batch_id: int):
    """Resume an interrupted batch: the run asks Avantage what it already has."""
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    if batch.status == BatchStatus.INTERRUPTED:
        jobs.start_export(batch)
    return render_template("timesheets/_export_progress.html", **progress_context(batch))


@bp.post("/exportation/lots/<int:batch_id>/valides")
@login_required
@admin_required
def export_resend_valid(batch_id: int):
    """Envoyer seulement les feuilles valides: a new batch with the sheets Avantage accepted,
    confirmed first like Envoyer (the first post shows what will be sent, sends nothing)."""
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    sheets = export_queries.valid_sheets(batch) if batch.status == BatchStatus.REJECTED else []
    if not sheets:
        return make_response(
            "", 204, trigger=toast(_("Aucune feuille de ce lot n'est entièrement valide."), "error")
        )
    confirmation = request.form.get("confirmation", "")[:64] or None
    try:
        if confirmation is None:
            plan = prepare(batch.integration, sheets, ready_only=False)
            return confirm_send(batch.integration, sheets, plan, resend_of=batch)
        resent, created = create_batch(
            current_user.company_id,
            current_user,
            batch.integration,
            sheets,
            confirm_resend=False,
            resend_of=batch,
            confirmation=confirmation,
        )
        db.session.commit()
        if created:
            jobs.start_export(resent)
    except PlanChangedError as error:
        db.session.rollback()  # confirm again, with the numbers of now
        plan = prepare(batch.integration, sheets, ready_only=False)
        return confirm_send(batch.integration, sheets, plan, error, resend_of=batch)
    except PortalError as error:
        db.session.rollback()
        return make_response("", 204, trigger=toast(error.message, "error"))
    target = url_for("timesheets.export_batch", batch_id=resent.id)
    return make_response("", 204, redirect=target) if htmx else redirect(target, 303)
