"""What Avantage's decision on a batch does to its sheets and lines: committed, the validated
sheets are frozen (their open correction closed, each freeze audited); rejected, the refused
lines get Avantage's reason. One statement each way, whatever the size of the batch."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import (
    AuditEvent,
    ExportBatch,
    ExportLine,
    Timesheet,
    TimesheetRevision,
    TimesheetStatus,
    User,
    db,
)
from portal.services.bulk_insert import insert_rows


def freeze_sheets(batch: ExportBatch, now: datetime) -> list[int]:
    """Freeze the batch's validated sheets, conditional on its lock and on the status: only
    the sheets this UPDATE matched are audited. Returns their ids."""
    frozen = db.session.scalars(
        sa.update(Timesheet)
        .where(Timesheet.export_lock_id == batch.id, Timesheet.status == TimesheetStatus.VALIDATED)
        .values(
            status=TimesheetStatus.FROZEN,
            frozen_at=now,
            frozen_by_id=batch.requested_by_id,
            in_correction=False,
            updated_at=now,
        )
        .returning(Timesheet.id)
        .execution_options(synchronize_session=False)
    ).all()
    _close_revisions(batch, frozen)
    _audit_freezes(batch, frozen, now)
    return frozen


def mark_rejections(batch: ExportBatch, rejected: list[dict]) -> None:
    """Avantage's code and message against each line it refused."""
    if not rejected:
        return
    table = ExportLine.__table__
    db.session.execute(
        table.update()
        .where(table.c.batch_id == batch.id, table.c.line_no == sa.bindparam("number"))
        .values(rejection_code=sa.bindparam("code"), rejection_message=sa.bindparam("text")),
        [
            {
                "number": rejection.get("line"),
                "code": str(rejection.get("code"))[:40],
                "text": str(rejection.get("message", ""))[:300],
            }
            for rejection in rejected
        ],
    )


def _close_revisions(batch: ExportBatch, frozen: list[int]) -> None:
    """The corrections this batch carried: their open revision is now in Avantage."""
    if frozen:
        db.session.execute(
            sa.update(TimesheetRevision)
            .where(
                TimesheetRevision.timesheet_id.in_(frozen),
                TimesheetRevision.sent_batch_id.is_(None),
                TimesheetRevision.corrected_outside_at.is_(None),
            )
            .values(sent_batch_id=batch.id)
            .execution_options(synchronize_session=False)
        )


def _audit_freezes(batch: ExportBatch, frozen: list[int], now) -> None:
    """One audit event per sheet this run's UPDATE froze (``frozen``), in one statement."""
    if not frozen:
        return
    rows = db.session.execute(
        sa.select(Timesheet.id, Timesheet.week_start, User.first_name, User.last_name)
        .join(User, User.id == Timesheet.employee_id)
        .where(Timesheet.id.in_(frozen))
    )
    # Rendered once: a lazy label is translated again at each use.
    change = f"{TimesheetStatus.VALIDATED.label} → {TimesheetStatus.FROZEN.label}"
    number = batch.avantage_batch
    shared = {
        "company_id": batch.company_id,
        "user_id": batch.requested_by_id,
        "at": now,
        "action": "timesheet.freeze",
        "target_type": "Timesheet",
        "details": {"previous": "validated", "status": "frozen", "batch": batch.id},
    }
    events = [
        {
            **shared,
            "target_id": sheet_id,
            "summary": f"{first} {last} — {week.isoformat()} : {change} ({number})"[:300],
        }
        for sheet_id, week, first, last in rows
    ]
    insert_rows(AuditEvent.__table__, events)
