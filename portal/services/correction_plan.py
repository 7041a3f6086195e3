"""The reversal lines a corrected sheet's send carries (SDK §5a): one for every line the
previous revision's batch put in Avantage for that sheet, so that Avantage's net equals the
corrected sheet once the batch commits, reversals and new lines together.

A line is not reversed when Avantage no longer holds it: deleted there (the batch's latest
Rapprochement says so) or already reversed by a committed batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.models import (
    BatchStatus,
    DifferenceKind,
    ExportBatch,
    ExportLine,
    Integration,
    Reconciliation,
    ReconciliationDifference,
    ReconciliationStatus,
    Timesheet,
    db,
)
from portal.services.export_data import PlannedLine


@dataclass
class Correction:
    """What a corrected sheet's send does in Avantage, for the preflight's sentence."""

    sheet: Timesheet
    revision: int
    #: Avantage's number of the batch whose lines are reversed (TS-000123).
    batch: str
    reversed: int
    added: int = 0


def reversed_in_avantage() -> sa.Exists:
    """The condition that an ExportLine was reversed by a committed batch."""
    reversal, reversing_batch = aliased(ExportLine), aliased(ExportBatch)
    return (
        sa.select(reversal.id)
        .join(reversing_batch, reversing_batch.id == reversal.batch_id)
        .where(
            reversal.reverses_line_id == ExportLine.id,
            reversing_batch.status == BatchStatus.COMMITTED,
        )
        .exists()
    )


def reversals(
    integration: Integration, sheets: list[Timesheet]
) -> tuple[dict[int, list[PlannedLine]], dict[int, Correction]]:
    """Per corrected sheet: its reversal lines, and the summary of its correction."""
    corrected = {sheet.id: sheet for sheet in sheets if sheet.in_correction}
    if not corrected:
        return {}, {}
    rows = db.session.execute(
        sa.select(
            ExportLine.id,
            ExportLine.line_no,
            ExportLine.timesheet_id,
            ExportLine.payload,
            ExportLine.batch_id,
            ExportBatch.avantage_batch,
        )
        .join(ExportBatch, ExportBatch.id == ExportLine.batch_id)
        .join(
            Timesheet,
            sa.and_(
                Timesheet.id == ExportLine.timesheet_id,
                Timesheet.last_export_id == ExportLine.batch_id,
            ),
        )
        .where(
            Timesheet.id.in_(sorted(corrected)),
            ExportBatch.integration_id == integration.id,
            ExportBatch.status == BatchStatus.COMMITTED,
            ExportLine.reverses_line_id.is_(None),
            ExportLine.rejection_code.is_(None),
            ~reversed_in_avantage(),
        )
        .order_by(ExportLine.timesheet_id, ExportLine.line_no)
    ).all()
    deleted = _deleted_in_avantage({row.batch_id for row in rows})
    lines: dict[int, list[PlannedLine]] = defaultdict(list)
    for row in rows:
        if (row.batch_id, row.line_no) in deleted:
            continue
        lines[row.timesheet_id].append(
            PlannedLine(
                corrected[row.timesheet_id],
                {"kind": "reversal", "batch": row.avantage_batch, "reverses": row.line_no},
                reverses_line_id=row.id,
                reversed_payload=row.payload,
            )
        )
    numbers = _replaced_numbers(list(corrected.values()))
    summaries = {
        sheet_id: Correction(sheet, sheet.revision, numbers.get(sheet_id, ""), len(lines[sheet_id]))
        for sheet_id, sheet in corrected.items()
    }
    return dict(lines), summaries


def _deleted_in_avantage(batch_ids: set[int]) -> set[tuple[int, int]]:
    """(batch, line) pairs the latest finished Rapprochement of each batch found deleted."""
    if not batch_ids:
        return set()
    latest = (
        sa.select(sa.func.max(Reconciliation.id))
        .where(
            Reconciliation.batch_id.in_(sorted(batch_ids)),
            Reconciliation.status == ReconciliationStatus.DONE,
        )
        .group_by(Reconciliation.batch_id)
    )
    rows = db.session.execute(
        sa.select(Reconciliation.batch_id, ReconciliationDifference.line_no)
        .join(Reconciliation, Reconciliation.id == ReconciliationDifference.reconciliation_id)
        .where(
            ReconciliationDifference.reconciliation_id.in_(latest),
            ReconciliationDifference.kind == DifferenceKind.DELETED,
        )
    )
    return {(batch_id, line_no) for batch_id, line_no in rows}


def _replaced_numbers(sheets: list[Timesheet]) -> dict[int, str]:
    """Avantage's number of the batch each sheet's correction replaces."""
    rows = db.session.execute(
        sa.select(Timesheet.id, ExportBatch.avantage_batch, ExportBatch.id)
        .join(ExportBatch, ExportBatch.id == Timesheet.last_export_id)
        .where(Timesheet.id.in_([sheet.id for sheet in sheets]))
    )
    return {sheet_id: number or f"n° {batch_id}" for sheet_id, number, batch_id in rows}
