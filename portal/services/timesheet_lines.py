"""The hour and expense lines of a timesheet, validated against the company's own data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from portal.errors import NotFoundError, ValidationError
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
from portal.services.timesheets import ensure_editable

#: Nobody works more than this in one day.
MAX_HOURS_PER_DAY = Decimal("24")
#: The largest amount or quantity on one expense line.
MAX_EXPENSE_VALUE = Decimal("99999.99")
CENT = Decimal("0.01")


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
    """A decimal from what a person typed (``7,5`` or ``7.5``), or None when it is not one."""
    cleaned = (text or "").strip().replace(" ", "").replace(",", ".")
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _owned(model, company_id: int, object_id: int | None):
    if object_id is None:
        return None
    obj = db.session.get(model, object_id)
    return obj if obj is not None and obj.company_id == company_id else None


def _check_place(
    company_id: int, sheet: Timesheet, work_date, project_id, activity_id, errors: dict[str, str]
) -> tuple[Project | None, Activity | None]:
    if work_date is None:
        errors["work_date"] = _("Choisissez une date.")
    elif not sheet.week_start <= work_date <= sheet.week_end:
        errors["work_date"] = _(
            "La date doit être dans la semaine du %(start)s au %(end)s.",
            start=sheet.week_start.isoformat(),
            end=sheet.week_end.isoformat(),
        )
    project = _owned(Project, company_id, project_id)
    if project is None:
        errors["project_id"] = _("Choisissez un projet de la liste.")
    elif project.status != ProjectStatus.ACTIVE:
        errors["project_id"] = _(
            "Le projet %(number)s est fermé : on ne peut plus y saisir de temps.",
            number=project.number,
        )
    activity = _owned(Activity, company_id, activity_id)
    if project is not None and (activity is None or activity.project_id != project.id):
        errors["activity_id"] = _("Choisissez une activité de ce projet.")
    elif activity is not None and not activity.active:
        errors["activity_id"] = _("L'activité %(code)s n'est plus active.", code=activity.code)
    return project, activity


def save_hour_line(
    company_id: int, actor: User, sheet: Timesheet, data: HourLineData, line: HourLine | None = None
) -> HourLine:
    """Add (``line`` None) or change an hour line after checking every field."""
    ensure_editable(sheet, actor)
    errors: dict[str, str] = {}
    _check_place(company_id, sheet, data.work_date, data.project_id, data.activity_id, errors)
    trade = _owned(Trade, company_id, data.trade_id)
    if trade is None or not trade.active:
        errors["trade_id"] = _("Choisissez un métier de la liste.")
    if data.hour_type_id is not None:
        hour_type = _owned(HourType, company_id, data.hour_type_id)
        if hour_type is None or not hour_type.active:
            errors["hour_type_id"] = _("Choisissez un type d'heures de la liste, ou laissez vide.")
    hours = parse_decimal(data.hours)
    if hours is None:
        errors["hours"] = _("Entrez un nombre d'heures, par exemple 7,5.")
    elif hours <= 0 or hours > MAX_HOURS_PER_DAY:
        errors["hours"] = _("Les heures doivent être plus que 0 et au plus 24.")
    elif hours != hours.quantize(CENT):
        errors["hours"] = _("Au plus deux décimales.")
    elif data.work_date is not None and "work_date" not in errors:
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
                hours=others,
            )
    if errors:
        raise ValidationError(errors)
    if line is None:
        line = HourLine(timesheet=sheet)
        db.session.add(line)
    line.work_date, line.project_id, line.activity_id = (
        data.work_date,
        data.project_id,
        data.activity_id,
    )
    line.trade_id, line.hour_type_id, line.hours = data.trade_id, data.hour_type_id, hours
    db.session.flush()
    return line


def save_expense_line(
    company_id: int,
    actor: User,
    sheet: Timesheet,
    data: ExpenseLineData,
    line: ExpenseLine | None = None,
) -> ExpenseLine:
    """Add or change an expense line; the value goes in the field its type's kind calls for."""
    ensure_editable(sheet, actor)
    errors: dict[str, str] = {}
    _check_place(company_id, sheet, data.work_date, data.project_id, data.activity_id, errors)
    expense_type = _owned(ExpenseType, company_id, data.expense_type_id)
    if expense_type is None or not expense_type.active:
        errors["expense_type_id"] = _("Choisissez une dépense ou une prime de la liste.")
    value = parse_decimal(data.value)
    if value is None:
        errors["value"] = _("Entrez une valeur, par exemple 42 ou 12,50.")
    elif value <= 0 or value > MAX_EXPENSE_VALUE:
        errors["value"] = _("La valeur doit être plus que 0 et au plus 99 999,99.")
    elif value != value.quantize(CENT):
        errors["value"] = _("Au plus deux décimales.")
    elif expense_type is not None and expense_type.kind == ExpenseKind.HOURS and value > 24:
        errors["value"] = _("Les heures doivent être plus que 0 et au plus 24.")
    if errors:
        raise ValidationError(errors)
    if line is None:
        line = ExpenseLine(timesheet=sheet)
        db.session.add(line)
    line.work_date, line.project_id, line.activity_id = (
        data.work_date,
        data.project_id,
        data.activity_id,
    )
    line.expense_type = expense_type
    line.amount = value if expense_type.kind == ExpenseKind.AMOUNT else None
    line.quantity = value if expense_type.kind == ExpenseKind.QUANTITY else None
    line.hours = value if expense_type.kind == ExpenseKind.HOURS else None
    db.session.flush()
    return line


def get_line(model: type[HourLine] | type[ExpenseLine], sheet: Timesheet, line_id: int):
    line = db.session.get(model, line_id)
    if line is None or line.timesheet_id != sheet.id:
        raise NotFoundError()
    return line


def delete_line(actor: User, sheet: Timesheet, line: HourLine | ExpenseLine) -> None:
    ensure_editable(sheet, actor)
    if isinstance(line, HourLine):
        sheet.hour_lines.remove(line)
    else:
        sheet.expense_lines.remove(line)
    db.session.flush()
