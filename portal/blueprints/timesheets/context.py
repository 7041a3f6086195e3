"""What the sheet page and its regions need, and the answers shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.timesheets import forms
from portal.extensions import htmx
from portal.models import Timesheet, User
from portal.models.base import MAX_ID
from portal.services import (
    avantage_status,
    correction_lines,
    corrections,
    timesheet_lines,
    timesheet_status,
    timesheets,
    users,
)


@dataclass(frozen=True)
class Editing:
    """The line shown as a form in the full page (editing without JavaScript)."""

    kind: str  # "hour" or "expense"
    line_id: int
    form: FlaskForm


def employee(employee_id: int) -> User:
    """An employee of the current user's company (404 otherwise)."""
    if employee_id > MAX_ID:
        abort(404)
    return users.get_user(current_user.company_id, employee_id)


def monday(text: str) -> date:
    """The Monday of the day in the URL (404 when it is not a date)."""
    day = forms.parse_day(text)
    if day is None or not 1 < day.year < 9999:  # the week around it must exist too
        abort(404)
    return timesheets.week_start_of(day)


def week_url(sheet: Timesheet) -> str:
    return url_for(
        "timesheets.week", employee_id=sheet.employee_id, monday=sheet.week_start.isoformat()
    )


def sheet_context(
    sheet: Timesheet,
    *,
    hour_form: FlaskForm | None = None,
    expense_form: FlaskForm | None = None,
    reject_form: FlaskForm | None = None,
    unfreeze_form: FlaskForm | None = None,
    editing: Editing | None = None,
    **extra: Any,
) -> dict:
    """Everything ``sheet.html`` and its fragments render."""
    company_id = current_user.company_id
    editable = timesheets.can_edit(sheet, current_user)
    if editable:
        hour_form = hour_form or forms.hour_form(company_id, sheet)
        expense_form = expense_form or forms.expense_form(company_id, sheet)
    return dict(
        sheet=sheet,
        employee=sheet.employee,
        avantage_inactive=bool(
            avantage_status.inactive_in_avantage(company_id, [sheet.employee_id])
        ),
        editable=editable,
        actions=timesheet_status.available_actions(sheet, current_user),
        hour_form=hour_form,
        expense_form=expense_form,
        reject_form=reject_form or forms.RejectForm(formdata=None),
        unfreeze_form=unfreeze_form or forms.UnfreezeForm(formdata=None),
        can_unfreeze=corrections.can_unfreeze(sheet, current_user),
        can_record_outside=corrections.can_record_outside(
            sheet, current_user, sheet.last_export.integration if sheet.last_export else None
        ),
        correction=correction_lines.correction_view(sheet),
        editing=editing,
        expense_totals=timesheet_lines.expense_totals(sheet),
        week_form=forms.week_form(company_id, current_user, sheet),
        previous_week=sheet.week_start - timedelta(days=7),
        next_week=sheet.week_start + timedelta(days=7),
        **extra,
    )


def render_sheet(sheet: Timesheet, fragment: str, fragment_target: str | None, **state: Any):
    """The fragment for an htmx request aimed at ``fragment_target``, else the whole page."""
    return page_or_fragment(
        "timesheets/sheet.html",
        f"timesheets/{fragment}.html",
        fragment_target=fragment_target,
        **sheet_context(sheet, **state),
    )


def changed(sheet: Timesheet, message: str, fragment: str, *, retarget: str | None = None):
    """After a committed change: the redrawn region and a toast, or (no htmx) back to the week."""
    if htmx:
        return fragment_with_toast(
            f"timesheets/{fragment}.html", message, retarget=retarget, **sheet_context(sheet)
        )
    flash(message, "success")
    return redirect(week_url(sheet), code=303)
