"""The CSV of an Aperçu or of a batch, for Excel, written as it is read (a generator).

* UTF-8 with a byte order mark: without it Excel on Windows reads the file as Windows-1252
  and « Bélanger » shows as « BÃ©langer ».
* Excel splits a ``.csv`` it opens on the list separator of Windows' regional settings and
  reads numbers with their decimal symbol: « ; » and « , » in fr-CA, « , » and « . » in
  en-CA. The file follows the language the person uses in the portal: French gives ``;`` and
  ``8,50``, English ``,`` and ``8.50``. (A ``sep=;`` first line would force the separator,
  but Excel then ignores the byte order mark and the accents break: it is not written.)
* Numbers have no thousands separator and no unit in the cell (the unit has its own column),
  so Excel reads them as numbers and sums them; dates are ISO (``2026-11-23``), which Excel
  reads as dates in every locale (it is also fr-CA Windows' short date format).
* A text cell that Excel would take for a formula (``=``, ``+``, ``-``, ``@``) starts with an
  apostrophe: an employee named ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from portal.i18n import gettext as _
from portal.models import BatchStatus, ExpenseKind, ExportBatch
from portal.services import export_batch_view
from portal.services.export_data import Plan
from portal.services.export_messages import rejection_sentence
from portal.services.export_review import Labels, ReadableLine

#: Rows encoded per chunk of the response.
ROWS_PER_CHUNK = 500
BOM = "\ufeff"
#: What Excel could take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str


def dialect(language: str) -> Dialect:
    """Excel's reading of a CSV in the regional settings that go with ``language``."""
    return Dialect(";", ",") if language.startswith("fr") else Dialect(",", ".")


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
    """The header then ``rows``, as UTF-8 with a byte order mark, a chunk per
    ``ROWS_PER_CHUNK`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=chosen.delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header())
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(value, chosen) for value in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _cell(value, chosen: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", chosen.decimal)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _nature(line: ReadableLine) -> tuple[str, str]:
    """What the value is, and its unit."""
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
    labels.learn(line.payload for line in plan.lines)
    ready = _("À envoyer")
    for number, planned in enumerate(plan.lines, start=1):
        yield _line_row(number, labels.readable(planned.sheet.id, planned.payload), ready)
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
