"""Batches that no job holds: queuing a run (a new batch or Reprendre) and moving a batch
whose worker died or whose job the queue lost to a state the office can act on.

Each move is one conditional UPDATE: two Reprendre clicks, or the reaper and a page, race
and one of them wins; the other sees the batch as the winner left it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import BatchStatus, ExportBatch, db
from portal.models.base import utcnow
from portal.services import export_messages, export_run, leases


def queue_attempt(batch: ExportBatch) -> bool:
    """Queue the batch's next run: a new batch, or an interrupted one (Reprendre). False when
    it is neither any more (another click queued it first, or it ended)."""
    queued = db.session.execute(
        sa.update(ExportBatch)
        .where(
            ExportBatch.id == batch.id,
            sa.or_(
                sa.and_(ExportBatch.status == BatchStatus.QUEUED, ExportBatch.attempts == 0),
                ExportBatch.status == BatchStatus.INTERRUPTED,
            ),
        )
        .values(
            status=BatchStatus.QUEUED,
            attempts=ExportBatch.attempts + 1,
            error=None,
            due_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.commit()
    return bool(queued)


def undo_queue_attempt(batch: ExportBatch, previous: dict) -> None:
    """The queue could not take the run: the batch goes back to how it was (``previous``),
    unless a job took it meanwhile."""
    db.session.execute(
        sa.update(ExportBatch)
        .where(
            ExportBatch.id == batch.id,
            ExportBatch.status == BatchStatus.QUEUED,
            ExportBatch.attempts == batch.attempts,
        )
        .values(**previous, due_at=None)
        .execution_options(synchronize_session="fetch")
    )


def abandon_lost(batch: ExportBatch) -> bool:
    """A queued batch whose job (or scheduled retry) the queue no longer holds."""
    return export_run.fail(
        batch,
        export_messages.LOST,
        None,
        ExportBatch.status == BatchStatus.QUEUED,
        ExportBatch.attempts == batch.attempts,
        leases.expired(ExportBatch),
    )


def abandon_stale(company_id: int | None, now: datetime | None = None) -> int:
    """Batches being sent whose lease expired (their worker was killed): Interrompu, or
    Échoué with the sheets freed when Avantage never saw them. ``company_id`` None is the
    reaper's pass over every company."""
    now = now or utcnow()
    tenant = [ExportBatch.company_id == company_id] if company_id is not None else []
    stale = db.session.scalars(
        sa.select(ExportBatch).where(
            *tenant,
            ExportBatch.status == BatchStatus.SENDING,
            leases.expired(ExportBatch, now),
        )
    ).all()
    return sum(
        export_run.fail(
            batch,
            export_messages.ABANDONED,
            None,
            ExportBatch.status == BatchStatus.SENDING,
            leases.expired(ExportBatch, now),
        )
        for batch in stale
    )
