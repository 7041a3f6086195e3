"""A section of Synchroniser: its page, its run, its history, and its matching console or
mapping grid (a row's link picker, linking by hand)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints import scheduling
from portal.blueprints.access import superadmin_required
from portal.blueprints.company_sync import LISTED, MAPPING_GRIDS, SECTIONS, bp
from portal.blueprints.company_sync.schedule import schedule_urls
from portal.blueprints.forms import page_number, parse_id
from portal.blueprints.rendering import fragment_with_toast
from portal.blueprints.runs import render_progress
from portal.errors import PortalError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import SyncSection
from portal.services import (
    catalog,
    console,
    integrations,
    link_choices,
    matching,
    purchase_orders,
    runs,
)

#: The id of a console row's link picker (``link-<row>``), echoed into the options' status.
_PICKER_ID = re.compile(r"link-\d{1,3}")


def _section(slug: str) -> SyncSection:
    section = SECTIONS.get(slug)
    if section is None:
        abort(404)
    return section


def _context(integration_id: int, slug: str) -> dict:
    integration = integrations.get_integration(current_user.company_id, integration_id)
    return {
        "integration": integration,
        "section": _section(slug),
        "slug": slug,
        "sections": SECTIONS,
    }


def _linkable(integration_id: int, slug: str) -> dict:
    """The context of a section whose records are linked to the portal's (404 otherwise)."""
    ctx = _context(integration_id, slug)
    if ctx["section"] in LISTED:
        abort(404)
    return ctx


def _orders(ctx: dict) -> dict:
    """The list of a section whose records are shown as Avantage has them."""
    search = request.args.get("q", "")[:100]
    shown = purchase_orders.orders_page(ctx["integration"], search=search, page=page_number())
    return {**ctx, "orders": shown, "search": search, "page": shown.page}


def _console(ctx: dict) -> dict:
    """The console (or mapping grid) region: one page of rows, filtered in the database."""
    section, integration = ctx["section"], ctx["integration"]
    if section in LISTED:
        return _orders(ctx)
    state, search = request.args.get("etat", ""), request.args.get("q", "")[:100]
    grid = section in MAPPING_GRIDS
    shown = console.console_page(
        integration,
        section,
        state="" if grid else state,
        search="" if grid else search,
        page=page_number(),
        per_page=None if grid else console.PER_PAGE,
    )
    regular = regular_remote = None
    if section == SyncSection.HOUR_TYPES:
        regular = catalog.regular_hour_type(current_user.company_id)
        if regular is not None:
            regular_remote = matching.linked_local_ids(integration, section).get(regular.id)
    return {
        **ctx,
        "rows": shown.rows,
        "state": state,
        "search": search,
        "page": shown.page,
        "pages": shown.pages,
        "total": shown.total,
        "counts": shown.counts,
        "locals": link_choices.console_choices(
            integration, section, limit=500 if grid else link_choices.PICKER_SIZE
        ),
        "regular": regular,
        "regular_remote": regular_remote,
    }


@bp.app_template_global("matching_label")
def matching_label(section: SyncSection, local) -> str:
    return matching.local_label(section, local)


def _page(ctx: dict):
    active = runs.active_run(ctx["integration"], ctx["section"])
    latest = active or next(iter(runs.history(ctx["integration"], ctx["section"], limit=1)), None)
    if latest is not None:
        jobs.refresh(latest)
    urls = schedule_urls(ctx["integration"].id, ctx["slug"])
    return {
        **_console(ctx),
        **scheduling.card_context(ctx["integration"], ctx["section"], None, urls),
        "run": latest,
        "history": runs.history(ctx["integration"], ctx["section"]),
    }


@bp.get("/<slug>")
@login_required
@superadmin_required
def section(integration_id: int, slug: str):
    ctx = _context(integration_id, slug)
    if htmx and htmx.target == "sync-console":
        region = _console(ctx)
        template = "_orders.html" if "orders" in region else "_console.html"
        return render_template(f"company_sync/{template}", **region)
    return render_template("company_sync/section.html", **_page(ctx))


@bp.post("/<slug>")
@login_required
@superadmin_required
def start(integration_id: int, slug: str):
    ctx = _context(integration_id, slug)
    try:
        run = jobs.start_sync(
            ctx["integration"],
            ctx["section"],
            current_user,
            full=request.form.get("full") == "y",
            preview=request.form.get("preview") == "y",
        )
    except PortalError as error:
        if htmx:
            return fragment_with_toast(
                "company_sync/_start_error.html",
                error.message,
                "error",
                error_message=error.message,
            )
        raise
    if not htmx:
        return redirect(
            url_for("company_sync.section", integration_id=integration_id, slug=slug), 303
        )
    return render_progress(run, polling=False)


@bp.get("/<slug>/historique")
@login_required
@superadmin_required
def history(integration_id: int, slug: str):
    ctx = _context(integration_id, slug)
    return render_template(
        "company_sync/_history.html",
        **ctx,
        history=runs.history(ctx["integration"], ctx["section"]),
    )


@bp.get("/<slug>/choix")
@login_required
@superadmin_required
def choices(integration_id: int, slug: str):
    """The ``<option>``s of a console row's link picker for the search ``q`` (htmx swaps
    them into the row's select), and the count for the picker's status line."""
    ctx = _linkable(integration_id, slug)
    select_id = request.args.get("cible", "")
    if not _PICKER_ID.fullmatch(select_id):
        abort(400)
    text = request.args.get("q", "")[:100]
    found = link_choices.console_choices(
        ctx["integration"], ctx["section"], search=text, limit=link_choices.PICKER_SIZE + 1
    )
    return render_template(
        "company_sync/_link_choices.html",
        choices=found[: link_choices.PICKER_SIZE],
        more=len(found) > link_choices.PICKER_SIZE,
        select_id=select_id,
        text=text.strip(),
        limit=link_choices.PICKER_SIZE,
    )


@bp.post("/<slug>/liens")
@login_required
@superadmin_required
def link(integration_id: int, slug: str):
    """Link, relink or unlink one Avantage record by hand (console and mapping grids)."""
    ctx = _linkable(integration_id, slug)
    section, integration = ctx["section"], ctx["integration"]
    remote_key = request.form.get("remote_key", "")[:120]
    local_id = request.form.get("local_id", "")
    try:
        if local_id:
            local = matching.get_local(section, current_user.company_id, parse_id(local_id))
            matching.link_manually(integration, section, remote_key, local, current_user)
            message = _("Lien enregistré.")
        else:
            matching.unlink(integration, section, remote_key, current_user)
            message = _("Lien retiré; les prochaines synchronisations ne le referont pas.")
    except PortalError as error:
        db.session.rollback()
        if not htmx:
            flash(error.message, "error")
            return redirect(
                url_for("company_sync.section", integration_id=integration_id, slug=slug), 303
            )
        if section in MAPPING_GRIDS:
            return _mapping_row(ctx, remote_key, error=error.message)
        return fragment_with_toast(
            "company_sync/_console.html", error.message, "error", **_console(ctx)
        )
    db.session.commit()
    if not htmx:
        flash(message)
        return redirect(
            url_for("company_sync.section", integration_id=integration_id, slug=slug), 303
        )
    if section in MAPPING_GRIDS:
        return _mapping_row(ctx, remote_key, saved=message)
    return fragment_with_toast("company_sync/_console.html", message, **_console(ctx))


def _mapping_row(ctx: dict, remote_key: str, *, error: str | None = None, saved: str | None = None):
    row = console.console_row(ctx["integration"], ctx["section"], remote_key)
    if row is None:
        abort(404)
    return render_template(
        "company_sync/_mapping_row.html",
        **ctx,
        row=row,
        error=error,
        saved=saved,
        locals=link_choices.console_choices(ctx["integration"], ctx["section"]),
    )
