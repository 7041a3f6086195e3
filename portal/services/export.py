"""Exportation vers la paie: which lines would go to Avantage, what blocks them, the batch.

``plan`` turns timesheets into the exact AVTCP/1 lines (preview) and lists every line that
cannot be sent (preflight); ``create_batch`` freezes those lines into an ExportBatch and
locks its sheets, so that two clicks, two tabs or two users never send a sheet twice.
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from portal.errors import NotFoundError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    ExpenseKind,
    ExpenseLine,
    HourLine,
    Integration,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    db,
)
from portal.models.base import MAX_ID
from portal.services import catalog, correction_plan, corrections, export_preflight
from portal.services.export_data import Names, Plan, PlannedLine, Problem, line_rows, record_links

#: Only these sheets can be sent.
SENDABLE = (TimesheetStatus.VALIDATED, TimesheetStatus.FROZEN)
#: The AVTCP/1 field that carries an earning line's value, by the expense type's kind.
VALUE_FIELDS = {
    ExpenseKind.AMOUNT: "amount",
    ExpenseKind.QUANTITY: "quantity",
    ExpenseKind.HOURS: "hours",
}


def get_sheets(company_id: int, sheet_ids: list[int]) -> list[Timesheet]:
    """The company's sheets with these ids, in a stable order; NotFound if one is missing."""
    ids = sorted({sheet_id for sheet_id in sheet_ids if 0 < sheet_id <= MAX_ID})
    if not ids:
        raise ValidationError(message=_("Cochez au moins une feuille de temps à envoyer."))
    sheets = list(
        db.session.scalars(
            db.select(Timesheet)
            .where(Timesheet.company_id == company_id, Timesheet.id.in_(ids))
            .options(joinedload(Timesheet.employee), joinedload(Timesheet.last_export))
            .order_by(Timesheet.week_start, Timesheet.employee_id, Timesheet.id)
        )
    )
    if len(sheets) != len(ids):
        raise NotFoundError()
    return sheets


def plan(integration: Integration, sheets: list[Timesheet]) -> Plan:
    """The lines these sheets would send, and everything that stops a line (preflight):
    first what the portal cannot translate, then what Avantage would reject."""
    result = Plan(sheets=sheets)
    links = record_links(integration)
    names = Names(integration.company_id)
    regular = catalog.regular_hour_type(integration.company_id)
    ids = [sheet.id for sheet in sheets]
    hour_rows = line_rows(HourLine, ids, HourLine.trade_id, HourLine.hour_type_id, HourLine.hours)
    expense_rows = line_rows(
        ExpenseLine,
        ids,
        ExpenseLine.expense_type_id,
        ExpenseLine.amount,
        ExpenseLine.quantity,
        ExpenseLine.hours,
    )
    reversal_lines, result.corrections = correction_plan.reversals(integration, sheets)
    for sheet in sheets:
        employee = _check_sheet(result, links, sheet)
        if employee is None:
            continue
        if sheet.in_correction:
            _check_correction(result, integration, sheet)
        result.lines += reversal_lines.get(sheet.id, [])
        for row in hour_rows[sheet.id]:
            _plan_hours(result, links, names, regular, sheet, employee, row)
        for row in expense_rows[sheet.id]:
            _plan_expense(result, links, names, sheet, employee, row)
    export_preflight.check(integration, result, links)
    for line in result.lines:
        if line.sheet.id in result.corrections and not line.is_reversal:
            result.corrections[line.sheet.id].added += 1
    return result


def _check_correction(result: Plan, integration: Integration, sheet: Timesheet) -> None:
    """A correction goes only to a server that takes reversal lines (as last heard)."""
    if corrections.server_supports_reversal(integration) is False:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "Ce serveur Avantage n'accepte pas les corrections : saisissez la "
                    "correction directement dans Avantage, puis cliquez « Corrigée dans "
                    "Avantage » sur la feuille."
                ),
                "sheet",
                sheet.id,
            )
        )


def _check_sheet(result: Plan, links, sheet: Timesheet) -> str | None:
    """The sheet's Avantage employee number, or None after noting why it cannot go."""
    if sheet.status not in SENDABLE:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "La feuille est %(status)s : seules les feuilles validées ou gelées "
                    "peuvent être envoyées.",
                    status=sheet.status.label.lower(),
                ),
                "sheet",
                sheet.id,
            )
        )
        return None
    if sheet.export_lock_id is not None:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "La feuille est déjà en cours d'envoi (lot n° %(id)d).",
                    id=str(sheet.export_lock_id),
                ),
                "batch",
                sheet.export_lock_id,
            )
        )
        return None
    if sheet.last_export_id is not None and not sheet.in_correction:
        result.warnings.append(
            Problem(
                sheet,
                _(
                    "Déjà envoyée à Avantage (lot %(batch)s) : l'envoyer de nouveau crée "
                    "ses heures une seconde fois dans Avantage.",
                    batch=sheet.last_export.avantage_batch or sheet.last_export_id,
                ),
                "resend",
                sheet.last_export_id,
            )
        )
    employee = links[SyncSection.EMPLOYEES].get(sheet.employee_id)
    if employee is None:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "L'employé %(name)s n'est lié à aucun employé d'Avantage.",
                    name=sheet.employee.full_name,
                ),
                "employee",
                sheet.employee_id,
            )
        )
    return employee


def _place(result: Plan, links, names: Names, sheet, row) -> tuple[str, str] | None:
    """The Avantage project id and activity code of a line, or None after noting why."""
    project = links[SyncSection.PROJECTS].get(row.project_id)
    number = names.projects.get(row.project_id, ("?",))[0]
    if project is None:
        result.errors.append(
            Problem(
                sheet,
                _("Le projet %(number)s n'est lié à aucun projet d'Avantage.", number=number),
                "project",
                row.project_id,
                row.work_date,
            )
        )
        return None
    activity = links[SyncSection.ACTIVITIES].get(row.activity_id)
    if activity is None or activity.split("|", 1)[0] != project:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "L'activité %(code)s du projet %(number)s n'est pas synchronisée avec "
                    "Avantage.",
                    code=names.activities.get(row.activity_id, ("?",))[0],
                    number=number,
                ),
                "activity",
                row.project_id,
                row.work_date,
            )
        )
        return None
    return project, activity.split("|", 1)[1]


def _plan_hours(result: Plan, links, names: Names, regular, sheet, employee: str, row) -> None:
    place = _place(result, links, names, sheet, row)
    trade = links[SyncSection.TRADES].get(row.trade_id)
    if trade is None:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "Le métier %(code)s n'est lié à aucun métier d'Avantage.",
                    code=names.trades.get(row.trade_id, ("?",))[0],
                ),
                "trade",
                row.trade_id,
                row.work_date,
            )
        )
    hour_type_id = row.hour_type_id or (regular.id if regular else None)
    avantage_type = links[SyncSection.HOUR_TYPES].get(hour_type_id)
    if avantage_type is None:
        name = names.hour_types.get(hour_type_id, (_("régulier"),))[0]
        result.errors.append(
            Problem(
                sheet,
                _(
                    "Le type d'heures « %(name)s » n'est associé à aucun type d'heures d'Avantage.",
                    name=name,
                ),
                "hour_type",
                hour_type_id,
                row.work_date,
            )
        )
    if place is None or trade is None or avantage_type is None:
        return
    result.lines.append(
        PlannedLine(
            sheet,
            {
                "kind": "hours",
                "employee": employee,
                "date": row.work_date.isoformat(),
                "project": place[0],
                "activity": place[1],
                "trade": trade,
                "hour_type": avantage_type,
                "hours": f"{row.hours:.2f}",
            },
            hour_line_id=row.id,
        )
    )


def _plan_expense(result: Plan, links, names: Names, sheet, employee: str, row) -> None:
    place = _place(result, links, names, sheet, row)
    earning = links[SyncSection.EARNINGS].get(row.expense_type_id)
    name, kind = names.expense_types.get(row.expense_type_id, ("?", ExpenseKind.AMOUNT))
    if earning is None:
        result.errors.append(
            Problem(
                sheet,
                _(
                    "La dépense ou prime « %(name)s » n'est associée à aucun gain d'Avantage.",
                    name=name,
                ),
                "earning",
                row.expense_type_id,
                row.work_date,
            )
        )
    if place is None or earning is None:
        return
    value = {
        ExpenseKind.AMOUNT: row.amount,
        ExpenseKind.QUANTITY: row.quantity,
        ExpenseKind.HOURS: row.hours,
    }[kind]
    result.lines.append(
        PlannedLine(
            sheet,
            {
                "kind": "earning",
                "employee": employee,
                "date": row.work_date.isoformat(),
                "project": place[0],
                "activity": place[1],
                "earning": earning,
                VALUE_FIELDS[kind]: f"{value:.2f}",
            },
            expense_line_id=row.id,
        )
    )
