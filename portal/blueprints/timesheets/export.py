"""Exportation vers la paie: choose validated sheets (a pay period, Tout sélectionner),
preview them, confirm and send (the batch pages are in ``export_batches``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user, login_required
from wtforms import DateField, Form, SelectChoice

from portal import jobs
from portal.blueprints.access import timesheet_permission_required
from portal.blueprints.forms import parse_id, positive
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.timesheets import bp, forms
from portal.blueprints.timesheets.sheets import status_of
from portal.errors import PortalError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import BatchStatus, ExportBatch, TimesheetPermission, TimesheetStatus
from portal.services import export, export_queries, export_review
from portal.services.export_batch import (
    PlanChangedError,
    ResendNotConfirmedError,
    create_batch,
    digest,
    prepare,
)

admin_required = timesheet_permission_required(TimesheetPermission.ADMIN)
#: Sheets per page of the list; a pay period shows all its sheets (up to PERIOD_PAGE), so
#: that Tout sélectionner takes the whole period.
PAGE, PERIOD_PAGE = 50, 500


class PeriodForm(Form):
    """The end of a pay period of several weeks (the list's ``semaine`` is its start)."""

    week_to = DateField(_l("Jusqu'à la semaine du"), name="semaine_fin")


def chosen_integration():
    """The company's Avantage integration (the one chosen when it has several)."""
    choices = export_queries.avantage_integrations(current_user.company_id)
    wanted = parse_id(request.values.get("integration"))
    for integration in choices:
        if integration.id == wanted:
            return integration, choices
    return (choices[0] if choices else None), choices


def required_integration():
    """The chosen integration of a send, preview or download (404 when there is none)."""
    integration, _choices = chosen_integration()
    if integration is None:
        abort(404)
    return integration


def selected_sheets():
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
    period = PeriodForm(request.args)
    integration, choices = chosen_integration()
    weeks = export_queries.pay_period(filters.week.data, period.week_to.data)
    pagination = export_queries.sendable_sheets(
        current_user.company_id,
        week=filters.week.data,
        week_to=period.week_to.data,
        project_id=positive(filters.project_id.data),
        employee_id=positive(filters.employee_id.data),
        status=status_of(filters.status.data),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=PERIOD_PAGE if weeks else PAGE,
    )
    args = {
        key: value for key, value in request.args.items() if key not in ("page", "tout") and value
    }
    return page_or_fragment(
        "timesheets/export.html",
        "timesheets/_export_list.html",
        fragment_target="export-list",
        filters=filters,
        period=period,
        period_days=weeks,
        pagination=pagination,
        hours=export_queries.sheet_hours([sheet.id for sheet in pagination.items]),
        corrections=export_queries.corrections_under_way(current_user.company_id, weeks),
        select_all=request.args.get("tout") == "1",
        integration=integration,
        integrations=choices,
        args=args,
        active_tab="export",
    )


@bp.post("/exportation/apercu")
@login_required
@admin_required
def export_preview():
    integration = required_integration()
    try:
        sheets = selected_sheets()
    except PortalError as error:
        return render_template("timesheets/_export_preview.html", plan=None, message=error.message)
    return render_template(
        "timesheets/_export_preview.html", **_preview(integration, export.plan(integration, sheets))
    )


def _preview(integration, plan, message=None) -> dict:
    """What ``_export_preview.html`` needs: the plan and how the office reads it."""
    review = export_review.review_plan(integration.id, plan) if plan else None
    return {"integration": integration, "plan": plan, "review": review, "message": message}


@bp.post("/exportation/envoyer")
@login_required
@admin_required
def export_send():
    integration = required_integration()
    ready_only = request.form.get("ready_only") == "y"
    confirmation = request.form.get("confirmation", "")[:64] or None
    try:
        sheets = selected_sheets()
        if confirmation is None:  # the first click: say what will happen, send nothing
            return confirm_send(
                integration, sheets, prepare(integration, sheets, ready_only=ready_only)
            )
        batch, created = create_batch(
            current_user.company_id,
            current_user,
            integration,
            sheets,
            confirm_resend=request.form.get("confirm_resend") == "y",
            ready_only=ready_only,
            confirmation=confirmation,
        )
        db.session.commit()
        if created:
            jobs.start_export(batch)
    except (PlanChangedError, ResendNotConfirmedError) as error:
        db.session.rollback()  # confirm again, with the numbers of now
        try:
            plan = prepare(integration, sheets, ready_only=ready_only)
        except PortalError as blocked:
            return _refused(integration, blocked)
        return confirm_send(integration, sheets, plan, error)
    except PortalError as error:
        db.session.rollback()
        return _refused(integration, error)
    if not htmx:
        return redirect(url_for("timesheets.export_batch", batch_id=batch.id), 303)
    return render_template("timesheets/_export_progress.html", **progress_context(batch))


def _refused(integration, error: PortalError):
    """A send that cannot go: the Aperçu again, with the reason (a toast too)."""
    if not htmx:
        raise error
    plan = None
    if request.form.getlist("sheet"):
        try:
            plan = export.plan(integration, selected_sheets())
        except PortalError:
            plan = None
    return fragment_with_toast(
        "timesheets/_export_preview.html",
        error.message,
        "error",
        retarget="#export-preview",
        **_preview(integration, plan, error.message),
    )


def confirm_send(integration, sheets, plan, error: PortalError | None = None, *, resend_of=None):
    """Envoyer's confirmation: what the send will do, from the plan it will send, with that
    plan's digest (a send whose plan changed since is refused and confirmed again). For
    « Envoyer seulement les feuilles valides » (``resend_of``) it confirms to that route."""
    action = (
        url_for("timesheets.export_resend_valid", batch_id=resend_of.id)
        if resend_of is not None
        else url_for("timesheets.export_send")
    )
    context = {
        "integration": integration,
        "plan": plan,
        "action": action,
        "confirmation": digest(plan),
        "selected": [sheet.id for sheet in sheets],
        "ready_only": request.form.get("ready_only") == "y",
        "resend_checked": request.form.get("confirm_resend") == "y",
        "validated": sum(sheet.status == TimesheetStatus.VALIDATED for sheet in plan.sheets),
        "earnings": sum(line.payload["kind"] != "hours" for line in plan.lines),
        "message": error.message if error else None,
        "modal": bool(htmx),
    }
    if not htmx:
        return render_template("timesheets/export_confirm.html", active_tab="export", **context)
    return make_response(
        render_template("timesheets/_export_confirm.html", **context),
        retarget="#export-confirm",
        reswap="outerHTML",
    )


def progress_context(batch: ExportBatch) -> dict:
    """What ``_export_progress.html`` needs: the batch, for a rejected one the sheets Avantage
    accepted every line of (Envoyer seulement les feuilles valides), and whether the page
    shown is the batch's own (no link to itself)."""
    valid = export_queries.valid_sheets(batch) if batch.status == BatchStatus.REJECTED else []
    own = url_for("timesheets.export_batch", batch_id=batch.id)
    shown = urlsplit(htmx.current_url or "").path if htmx else request.path
    return {"batch": batch, "valid_sheets": valid, "on_batch_page": shown == own}
