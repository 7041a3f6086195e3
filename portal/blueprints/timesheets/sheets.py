"""The list of sheets, and one employee's week."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.forms import positive
from portal.blueprints.rendering import page_or_fragment
from portal.blueprints.timesheets import bp, context, forms
from portal.i18n import gettext as _
from portal.models import TimesheetStatus
from portal.services import avantage_status, employee_search, timesheets
from portal.services.users import search_words

#: The deepest page the list goes to (bounds the OFFSET of the query).
MAX_PAGE = 10_000


def status_of(value: str | None) -> TimesheetStatus | None:
    return TimesheetStatus(value) if value in TimesheetStatus._value2member_map_ else None


@bp.get("/")
@login_required
def index():
    company_id = current_user.company_id
    filters = forms.filter_form(company_id, current_user, request.args)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    pagination = timesheets.list_sheets(
        company_id,
        current_user,
        week_start=filters.week.data,
        employee_id=positive(filters.employee_id.data) if filters.employee_id else None,
        status=status_of(filters.status.data),
        project_id=positive(filters.project_id.data),
        page=page,
        per_page=current_app.config["PAGE_SIZE"],
    )
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return page_or_fragment(
        "timesheets/index.html",
        "timesheets/_list.html",
        fragment_target="sheet-list",
        filters=filters,
        filtered=bool(args),
        args=args,
        pagination=pagination,
        avantage_inactive_ids=avantage_status.inactive_in_avantage(
            company_id, {sheet.employee_id for sheet in pagination.items}
        ),
        waiting=timesheets.count_waiting(company_id, current_user),
        week_form=forms.week_form(
            company_id, current_user, search=request.args.get("recherche_semaine", "")
        ),
    )


@bp.get("/semaine")
@login_required
def open_week():
    """« Ma semaine » and the week picker: a day (today by default), whose (self by default).
    A search sent with it (typed without JavaScript) opens the week of the person it finds;
    when it finds several or nobody, the list's week picker shows its matches instead."""
    form = forms.week_form(current_user.company_id, current_user, args=request.args)
    day = form.day.data or forms.today()
    employee_id = positive(form.employee_id.data) if form.employee_id else None
    text = form.employee_search.data if form.employee_id else ""
    if text and search_words(text):
        employee_id, found = employee_search.settle(
            current_user.company_id, current_user, text, employee_id
        )
        if employee_id is None:
            flash(
                _("Plusieurs employés correspondent : choisissez dans la liste.")
                if found
                else _("Aucun employé ne correspond à « %(text)s ».", text=text[:80]),
                "warning",
            )
            return redirect(url_for("timesheets.index", recherche_semaine=text[:80]))
    return redirect(
        url_for(
            "timesheets.week",
            employee_id=employee_id or current_user.id,
            monday=timesheets.week_start_of(day).isoformat(),
        )
    )


@bp.get("/employes/<int:employee_id>/<monday>")
@login_required
def week(employee_id: int, monday: str):
    start = context.monday(monday)
    if start.isoformat() != monday:
        return redirect(
            url_for("timesheets.week", employee_id=employee_id, monday=start.isoformat())
        )
    employee = context.employee(employee_id)
    sheet = timesheets.find_week(current_user.company_id, current_user, employee, start)
    return context.render_sheet(sheet, "_sheet", "sheet")


@bp.get("/<int:sheet_id>")
@login_required
def sheet(sheet_id: int):
    """A sheet by its id (links from elsewhere): its week's page."""
    found = timesheets.get_sheet(current_user.company_id, current_user, sheet_id)
    return redirect(context.week_url(found))
