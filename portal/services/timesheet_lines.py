"""The hour and expense lines of a timesheet, validated against the company's own data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.errors import NotFoundError, ValidationError
from portal.formatting import day, number, sorted_by_name
from portal.i18n import gettext as _
from portal.models import (
    Activity,
    ExpenseKind,
    ExpenseLine,
    ExpenseType,
    HourLine,
    HourType,
    Project,
    ProjectStatus,
    Timesheet,
    Trade,
    User,
    db,
)
from portal.models.base import MAX_ID, get_in_company
from portal.services.timesheets import claim_for_edit

#: Nobody works more than this in one day.
MAX_HOURS_PER_DAY = Decimal("24")
#: The largest amount or quantity on one expense line.
MAX_EXPENSE_VALUE = Decimal("99999.99")
CENT = Decimal("0.01")
_BLANKS = re.compile(r"\s+")


@dataclass
class HourLineData:
    work_date: date | None
    project_id: int | None
    activity_id: int | None
    trade_id: int | None
    hour_type_id: int | None
    hours: str


@dataclass
class ExpenseLineData:
    work_date: date | None
    project_id: int | None
    activity_id: int | None
    expense_type_id: int | None
    value: str


def parse_decimal(text: str | None) -> Decimal | None:
    """A decimal from what a person typed (``7,5``, ``7.5``, ``1 234,50``, ``1,234.50``), or None.

    A comma is the decimal separator (Québec French), unless a point comes after it: then
    the commas group thousands, as in English.
    """
    cleaned = _BLANKS.sub("", text or "")
    cleaned = (
        cleaned.replace(",", "") if "." in cleaned.partition(",")[2] else cleaned.replace(",", ".")
    )
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def activities_for(company_id: int, project_id: int | None) -> list[Activity]:
    """The active activities of the company's active project ``project_id`` (none otherwise)."""
    project = get_in_company(Project, company_id, project_id)
    if project is None or project.status != ProjectStatus.ACTIVE:
        return []
    return [activity for activity in project.activities if activity.active]


def _check_place(
    company_id: int, sheet: Timesheet, data: HourLineData | ExpenseLineData, errors: dict
) -> tuple[Project | None, Activity | None]:
    if data.work_date is None:
        errors["work_date"] = _("Choisissez une date.")
    elif not sheet.week_start <= data.work_date <= sheet.week_end:
        errors["work_date"] = _(
            "La date doit être dans la semaine du %(start)s au %(end)s.",
            start=day(sheet.week_start, "d MMMM"),
            end=day(sheet.week_end, "d MMMM yyyy"),
        )
    project = get_in_company(Project, company_id, data.project_id)
    if project is None:
        errors["project_id"] = _("Choisissez un projet de la liste.")
    elif project.status != ProjectStatus.ACTIVE:
        errors["project_id"] = _(
            "Le projet %(number)s est fermé : on ne peut plus y saisir de temps.",
            number=project.number,
        )
    activity = get_in_company(Activity, company_id, data.activity_id)
    if project is not None and (activity is None or activity.project_id != project.id):
        errors["activity_id"] = _("Choisissez une activité de ce projet.")
    elif activity is not None and not activity.active:
        errors["activity_id"] = _("L'activité %(code)s n'est plus active.", code=activity.code)
    return project, activity


def _check_hours(text: str, field: str, errors: dict) -> Decimal | None:
    hours = parse_decimal(text)
    if hours is None:
        errors[field] = _("Entrez un nombre d'heures, par exemple 7,5.")
    elif hours <= 0 or hours > MAX_HOURS_PER_DAY:
        errors[field] = _("Les heures doivent être plus que 0 et au plus 24.")
    elif hours != hours.quantize(CENT):
        errors[field] = _("Au plus deux décimales.")
    else:
        return hours
    return None


def save_hour_line(
    company_id: int, actor: User, sheet: Timesheet, data: HourLineData, line: HourLine | None = None
) -> HourLine:
    """Add (``line`` None) or change an hour line after checking every field."""
    claim_for_edit(company_id, actor, sheet)
    errors: dict[str, str] = {}
    project, activity = _check_place(company_id, sheet, data, errors)
    trade = get_in_company(Trade, company_id, data.trade_id)
    if trade is None or not trade.active:
        errors["trade_id"] = _("Choisissez un métier de la liste.")
    hour_type = get_in_company(HourType, company_id, data.hour_type_id)
    if data.hour_type_id is not None and (hour_type is None or not hour_type.active):
        errors["hour_type_id"] = _("Choisissez un type d'heures de la liste, ou laissez vide.")
    hours = _check_hours(data.hours, "hours", errors)
    if hours is not None and "work_date" not in errors:
        others = sum(
            (
                other.hours
                for other in sheet.hour_lines
                if other.work_date == data.work_date and other is not line
            ),
            Decimal("0"),
        )
        if others + hours > MAX_HOURS_PER_DAY:
            errors["hours"] = _(
                "Avec cette ligne, la journée dépasserait 24 heures (déjà %(hours)s h).",
                hours=number(others),
            )
    if errors:
        raise ValidationError(errors)
    if line is None:
        line = HourLine(timesheet=sheet)
        db.session.add(line)
    # Objects, not ids: an already loaded relationship would otherwise keep the old value.
    line.work_date, line.project, line.activity = data.work_date, project, activity
    line.trade, line.hour_type, line.hours = trade, hour_type, hours
    db.session.flush()
    return line


def _check_value(text: str, expense_type: ExpenseType | None, errors: dict) -> Decimal | None:
    if expense_type is not None and expense_type.kind == ExpenseKind.HOURS:
        return _check_hours(text, "value", errors)
    value = parse_decimal(text)
    if value is None:
        errors["value"] = _("Entrez une valeur, par exemple 42 ou 12,50.")
    elif value <= 0 or value > MAX_EXPENSE_VALUE:
        errors["value"] = _("La valeur doit être plus que 0 et au plus 99 999,99.")
    elif value != value.quantize(CENT):
        errors["value"] = _("Au plus deux décimales.")
    else:
        return value
    return None


def save_expense_line(
    company_id: int,
    actor: User,
    sheet: Timesheet,
    data: ExpenseLineData,
    line: ExpenseLine | None = None,
) -> ExpenseLine:
    """Add or change an expense line; the value goes in the field its type's kind calls for."""
    claim_for_edit(company_id, actor, sheet)
    errors: dict[str, str] = {}
    project, activity = _check_place(company_id, sheet, data, errors)
    expense_type = get_in_company(ExpenseType, company_id, data.expense_type_id)
    if expense_type is None or not expense_type.active:
        errors["expense_type_id"] = _("Choisissez une dépense ou une prime de la liste.")
    value = _check_value(data.value, expense_type, errors)
    if errors:
        raise ValidationError(errors)
    if line is None:
        line = ExpenseLine(timesheet=sheet)
        db.session.add(line)
    line.work_date, line.project, line.activity = data.work_date, project, activity
    line.expense_type = expense_type
    line.amount = value if expense_type.kind == ExpenseKind.AMOUNT else None
    line.quantity = value if expense_type.kind == ExpenseKind.QUANTITY else None
    line.hours = value if expense_type.kind == ExpenseKind.HOURS else None
    db.session.flush()
    return line


def get_line(model: type[HourLine] | type[ExpenseLine], sheet: Timesheet, line_id: int):
    """A line of ``sheet`` (already checked for the company), else NotFoundError."""
    line = db.session.get(model, line_id) if 0 < line_id <= MAX_ID else None
    if line is None or line.timesheet_id != sheet.id:
        raise NotFoundError(_("Cette ligne n'existe plus. Rechargez la page."))
    return line


def delete_line(company_id: int, actor: User, sheet: Timesheet, line: HourLine | ExpenseLine):
    """Remove a line from a sheet that can still change."""
    claim_for_edit(company_id, actor, sheet)
    if isinstance(line, HourLine):
        sheet.hour_lines.remove(line)
    else:
        sheet.expense_lines.remove(line)
    db.session.flush()


def expense_totals(sheet: Timesheet) -> list[tuple[ExpenseType, Decimal]]:
    """The week's total of each expense or bonus type used on the sheet, by code."""
    totals: dict[int, tuple[ExpenseType, Decimal]] = {}
    for line in sheet.expense_lines:
        expense_type, total = totals.get(line.expense_type_id, (line.expense_type, Decimal(0)))
        totals[line.expense_type_id] = (expense_type, total + (line.value or 0))
    return sorted_by_name(totals.values(), lambda pair: pair[0].code)
