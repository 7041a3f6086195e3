"""The CSV of an Aperçu or of a batch, for Excel (see ``spreadsheet`` for the encoding).

Numbers have no thousands separator and no unit in the cell (the unit has its own column), so
Excel reads them as numbers and sums them; dates are ISO (``2026-11-23``), which Excel reads
as dates in every locale (it is also fr-CA Windows' short date format).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from portal.i18n import gettext as _
from portal.models import BatchStatus, ExpenseKind, ExportBatch
from portal.services import export_batch_view, spreadsheet
from portal.services.export_data import Plan
from portal.services.export_messages import rejection_sentence
from portal.services.export_review import Labels, ReadableLine
from portal.services.spreadsheet import Dialect, safe_text


def header() -> list[str]:
    return [
        _("Ligne"),
        _("Semaine du"),
        _("N° d'employé"),
        _("Employé"),
        _("Date"),
        _("Projet"),
        _("Nom du projet"),
        _("Activité"),
        _("Nom de l'activité"),
        _("Métier"),
        _("Nom du métier"),
        _("Type d'heures ou gain"),
        _("Nom du type"),
        _("Nature"),
        _("Valeur"),
        _("Unité"),
        _("État"),
        _("Motif"),
    ]


def encode(rows: Iterable[list], chosen: Dialect) -> Iterator[bytes]:
    """The header then ``rows``, each value written as ``chosen`` reads it, streamed."""
    return spreadsheet.stream(
        header(), ([_cell(value, chosen) for value in row] for row in rows), chosen
    )


def _cell(value, chosen: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", chosen.decimal)
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def _nature(line: ReadableLine) -> tuple[str, str]:
    """What the value is, and its unit; a reversal says which line it cancels."""
    nature, unit = _value_nature(line)
    if line.reverses_batch:
        cancels = _(
            "Annulation de la ligne %(line)d du lot %(batch)s",
            line=line.reverses_line,
            batch=line.reverses_batch,
        )
        return f"{cancels} — {nature}", unit
    return nature, unit


def _value_nature(line: ReadableLine) -> tuple[str, str]:
    if line.kind == "hours":
        return _("Heures"), "h"
    if line.kind == "amount":
        return str(ExpenseKind.AMOUNT.label), "$"
    if line.kind == "quantity":
        return str(ExpenseKind.QUANTITY.label), line.unit
    return str(ExpenseKind.HOURS.label), "h"


def _line_row(number: int | None, line: ReadableLine, state: str, reason: str = "") -> list:
    nature, unit = _nature(line)
    return [
        number,
        line.day - timedelta(days=line.day.weekday()),
        line.employee,
        line.employee_name,
        line.day,
        line.project,
        line.project_name,
        line.activity,
        line.activity_name,
        line.trade,
        line.trade_name,
        line.type_code,
        line.type_name,
        nature,
        line.value,
        unit,
        state,
        reason,
    ]


def preview_rows(plan: Plan, labels: Labels) -> Iterator[list]:
    """The lines the Aperçu would send, numbered as the batch would number them, then one
    row per problem that blocks a line or a sheet."""
    labels.learn(line.reversed_payload or line.payload for line in plan.lines)
    ready = _("À envoyer")
    for number, planned in enumerate(plan.lines, start=1):
        line = labels.readable(planned.sheet.id, planned.payload, planned.reversed_payload)
        yield _line_row(number, line, ready)
    blocked = _("Bloquée")
    for problem in plan.errors:
        sheet = problem.sheet
        yield [
            None,
            sheet.week_start,
            sheet.employee.employee_number,
            sheet.employee.full_name,
            problem.work_date,
            *[None] * 11,
            blocked,
            problem.message,
        ]


def batch_rows(batch: ExportBatch) -> Iterator[list]:
    """Every line of the batch as sent, with Avantage's verdict, read chunk by chunk."""
    unrefused = {
        BatchStatus.COMMITTED: _("Acceptée"),
        BatchStatus.REJECTED: _("Valide, non enregistrée (lot refusé)"),
    }.get(batch.status, _("En attente"))
    refused = _("Refusée")
    for line in export_batch_view.lines(batch):
        if line.rejection_code:
            reason = rejection_sentence(line.rejection_code, line.rejection_message or "")
            yield _line_row(line.line_no, line, refused, f"{line.rejection_code} : {reason}")
        else:
            yield _line_row(line.line_no, line, unrefused)
