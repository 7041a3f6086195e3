"""Exportation vers la paie: choose validated sheets, preview, send, follow the batch."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_htmx import make_response
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal import jobs
from portal.blueprints.access import timesheet_permission_required
from portal.blueprints.forms import parse_id
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.timesheets import bp, forms
from portal.blueprints.timesheets.sheets import positive, status_of
from portal.errors import PortalError
from portal.extensions import db, htmx
from portal.models import BatchStatus, ExportBatch, TimesheetPermission
from portal.services import export, export_messages, export_queries
from portal.services.export_batch import create_batch
from portal.web import toast

admin_required = timesheet_permission_required(TimesheetPermission.ADMIN)
STOP_POLLING = 286
#: Sent with the last poll of a batch: the sheet list of the page reloads itself.
FINISHED_EVENT = "export-finished"


def _integration():
    """The company's Avantage integration (the one chosen when it has several)."""
    choices = export_queries.avantage_integrations(current_user.company_id)
    wanted = parse_id(request.values.get("integration"))
    for integration in choices:
        if integration.id == wanted:
            return integration, choices
    return (choices[0] if choices else None), choices


def _selected_sheets():
    ids = [parse_id(value) for value in request.form.getlist("sheet")[:5000]]
    return export.get_sheets(current_user.company_id, [i for i in ids if i and i > 0])


@bp.get("/exportation")
@login_required
@admin_required
def export_index():
    filters = forms.filter_form(current_user.company_id, current_user, request.args)
    filters.status.choices = [
        SelectChoice("", _("Validées et gelées")),
        *(SelectChoice(status.value, status.label) for status in export.SENDABLE),
    ]
    integration, choices = _integration()
    pagination = export_queries.sendable_sheets(
        current_user.company_id,
        week=filters.week.data,
        project_id=positive(filters.project_id.data),
        employee_id=positive(filters.employee_id.data),
        status=status_of(filters.status.data),
        page=request.args.get("page", 1, type=int) or 1,
    )
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return page_or_fragment(
        "timesheets/export.html",
        "timesheets/_export_list.html",
        fragment_target="export-list",
        filters=filters,
        pagination=pagination,
        integration=integration,
        integrations=choices,
        args=args,
        active_tab="export",
    )


@bp.post("/exportation/apercu")
@login_required
@admin_required
def export_preview():
    integration, _choices = _integration()
    if integration is None:
        abort(404)
    try:
        sheets = _selected_sheets()
    except PortalError as error:
        return render_template("timesheets/_export_preview.html", plan=None, message=error.message)
    return render_template(
        "timesheets/_export_preview.html",
        integration=integration,
        plan=export.plan(integration, sheets),
        message=None,
    )


@bp.post("/exportation/envoyer")
@login_required
@admin_required
def export_send():
    integration, _choices = _integration()
    if integration is None:
        abort(404)
    try:
        sheets = _selected_sheets()
        batch, created = create_batch(
            current_user.company_id,
            current_user,
            integration,
            sheets,
            confirm_resend=request.form.get("confirm_resend") == "y",
            ready_only=request.form.get("ready_only") == "y",
        )
        db.session.commit()
        if created:
            jobs.start_export(batch)
    except PortalError as error:
        db.session.rollback()
        if not htmx:
            raise
        plan = None
        if request.form.getlist("sheet"):
            try:
                plan = export.plan(integration, _selected_sheets())
            except PortalError:
                plan = None
        return fragment_with_toast(
            "timesheets/_export_preview.html",
            error.message,
            "error",
            integration=integration,
            plan=plan,
            message=error.message,
            retarget="#export-preview",
        )
    if not htmx:
        return redirect(url_for("timesheets.export_batch", batch_id=batch.id), 303)
    return render_template("timesheets/_export_progress.html", **_progress(batch))


def _progress(batch: ExportBatch) -> dict:
    """What ``_export_progress.html`` needs: the batch, and for a rejected one the sheets
    Avantage accepted every line of (Envoyer seulement les feuilles valides)."""
    valid = export_queries.valid_sheets(batch) if batch.status == BatchStatus.REJECTED else []
    return {"batch": batch, "valid_sheets": valid}


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
    return render_template(
        "timesheets/batch.html",
        **_progress(batch),
        sheets=export_queries.batch_sheets(batch),
        rejection_sentence=export_messages.rejection_sentence,
        active_tab="batches",
    )


@bp.get("/exportation/lots/<int:batch_id>/progression")
@login_required
@admin_required
def export_progress(batch_id: int):
    batch = jobs.refresh_export(export_queries.get_batch(current_user.company_id, batch_id))
    body = render_template("timesheets/_export_progress.html", **_progress(batch))
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
    return render_template("timesheets/_export_progress.html", **_progress(batch))


@bp.post("/exportation/lots/<int:batch_id>/valides")
@login_required
@admin_required
def export_resend_valid(batch_id: int):
    """Envoyer seulement les feuilles valides: a new batch with the sheets Avantage accepted."""
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    sheets = export_queries.valid_sheets(batch) if batch.status == BatchStatus.REJECTED else []
    if not sheets:
        return make_response(
            "", 204, trigger=toast(_("Aucune feuille de ce lot n'est entièrement valide."), "error")
        )
    try:
        resent, created = create_batch(
            current_user.company_id,
            current_user,
            batch.integration,
            sheets,
            confirm_resend=False,
            resend_of=batch,
        )
        db.session.commit()
        if created:
            jobs.start_export(resent)
    except PortalError as error:
        db.session.rollback()
        return make_response("", 204, trigger=toast(error.message, "error"))
    target = url_for("timesheets.export_batch", batch_id=resent.id)
    return make_response("", 204, redirect=target) if htmx else redirect(target, 303)
