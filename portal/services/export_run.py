"""Sending an ExportBatch to Avantage, exactly once, and recording what Avantage decided.

Every run first asks GET_BATCH: a batch that Avantage already committed (the worker died
after COMMIT_BATCH, before the portal recorded it) is only recorded; an open one gets its
lines again (ADD_LINES is idempotent by line number) and is committed; an unknown one is
begun. Kill the worker anywhere and the next run converges.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from portal.avantage import (
    AvantageClient,
    AvantageError,
    BatchResult,
    ReversalNotSupportedError,
    ServerError,
)
from portal.i18n import gettext as _
from portal.models import (
    BatchStatus,
    ExportBatch,
    ExportLine,
    Timesheet,
    db,
)
from portal.models.base import utcnow
from portal.services import audit, collector, export_messages, export_outcome, runs
from portal.services.leases import Lease, LeaseLostError

#: Lines read per query and handed to one ADD_LINES call (the client splits further under
#: ``buffer``); progress is recorded after each. A send holds one chunk at a time.
CHUNK = 5000

#: The states in which a job may take a batch: queued, or being sent by a job whose lease
#: expired (its worker was killed and the queue started the job again).
CLAIMABLE = (BatchStatus.QUEUED, BatchStatus.SENDING)


def claim(lease: Lease, attempt: int) -> bool:
    """Take the batch for the job of run ``attempt``; a job of an earlier run (an RQ retry
    left behind when Reprendre queued a new run) finds the attempt changed and stops."""
    return lease.take(
        CLAIMABLE,
        ExportBatch.attempts == attempt,
        status=BatchStatus.SENDING,
        error=None,
        started_at=sa.func.coalesce(ExportBatch.started_at, utcnow()),
    )


def remote_state(client: AvantageClient, batch: ExportBatch) -> BatchResult | None:
    """What Avantage has of the batch (None: never begun)."""
    try:
        return client.get_batch(batch.batch_key)
    except ServerError as error:
        if error.code == "NOT_FOUND":
            return None
        raise


@collector.bulk_work()  # a chunk of lines read back and sent at a time, thousands of rows
def send(batch: ExportBatch, client: AvantageClient, lease: Lease | None = None) -> None:
    """Bring the batch to its end in Avantage and record the outcome (commits as it goes).

    A CONFLICT from Avantage means another run got there first (the batch is committed or
    rejected): that outcome is recorded, as the success (or refusal) it is."""
    state = remote_state(client, batch)
    _hear_features(batch, client)
    if state is None or state.state == "open":
        if state is None:
            if not client.supports_reversal and _has_reversals(batch):
                raise ReversalNotSupportedError("the batch corrects sheets")  # nothing sent
            begun = client.begin_batch(batch.batch_key)
            batch.avantage_batch, batch.begun_at = begun.batch, utcnow()
            db.session.commit()
        try:
            _add_lines(batch, client, lease)
            state = client.commit_batch(batch.batch_key, atomic=True)
        except ServerError as error:
            if error.code != "CONFLICT":
                raise
            state = remote_state(client, batch)
            if state is None or state.state == "open":
                raise
    record(batch, state, lease)


def _hear_features(batch: ExportBatch, client: AvantageClient) -> None:
    """Keep what the server's greeting announced: the preflight reads it (corrections)."""
    if client.greeting is None:
        return
    features = ",".join(sorted(client.greeting.features))
    if batch.integration.server_features != features:
        batch.integration.server_features = features
        db.session.commit()


def _has_reversals(batch: ExportBatch) -> bool:
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                ExportLine.batch_id == batch.id, ExportLine.reverses_line_id.is_not(None)
            )
        )
    )


def payload_chunks(batch: ExportBatch) -> Iterator[list[dict]]:
    """The batch's lines exactly as frozen at its creation, in line order, ``CHUNK`` per
    query: a keyset on the line number, so memory stays flat however many lines the batch
    holds, and a commit between chunks does not end the read."""
    batch_id, last = batch.id, 0
    while True:
        rows = db.session.execute(
            sa.select(ExportLine.line_no, ExportLine.payload)
            .where(ExportLine.batch_id == batch_id, ExportLine.line_no > last)
            .order_by(ExportLine.line_no)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        yield [row.payload for row in rows]
        if len(rows) < CHUNK:
            return
        last = rows[-1].line_no


def _add_lines(batch: ExportBatch, client: AvantageClient, lease: Lease | None) -> None:
    """ADD_LINES one chunk at a time as it is read, recording the progress after each.

    Nothing of the batch is changed before a chunk is through: a pending change, flushed by
    the next read, would keep the batch's row locked while the chunk is sent, and the
    heartbeat renewing the lease would wait for it."""
    sent = 0
    for chunk in payload_chunks(batch):
        if lease:
            lease.check()
        client.add_lines(batch.batch_key, chunk)
        sent += len(chunk)
        batch.lines_sent = sent
        db.session.commit()


def record(batch: ExportBatch, state: BatchResult, lease: Lease | None = None) -> None:
    """Committed: freeze the validated sheets and show the batch on each; rejected: change
    nothing but the rejections shown against their lines. Unlocks the sheets either way.

    The batch's own UPDATE comes first and is conditional (still held by ``lease``, or still
    unfinished): of two runs that reach this point, one records and the other stops.

    Sheets are updated with one statement each way (a batch can hold thousands of them),
    conditional on this batch's lock and on the status: only the sheets the freeze matched
    are audited. These are the only changes a frozen sheet accepts (see models/guards.py).
    """
    now = utcnow()
    committed = state.state == "committed"
    if not _finish(
        batch,
        lease,
        status=BatchStatus.COMMITTED if committed else BatchStatus.REJECTED,
        avantage_batch=state.batch or batch.avantage_batch,
        finished_at=now,
        accepted=state.accepted if committed else 0,
        lines_sent=batch.line_count if committed else batch.lines_sent,
        rejected_count=0 if committed else len(state.rejected),
    ):
        return  # another run recorded it first
    if committed:
        export_outcome.freeze_sheets(batch, now)
        unlock = {"last_export_id": batch.id}
    else:
        export_outcome.mark_rejections(batch, state.rejected)
        unlock = {}
    _unlock(batch, **unlock)
    audit.record(
        batch.company_id,
        batch.requested_by,
        f"export.{batch.status.value}",
        batch,
        f"{batch.avantage_batch or _('Lot n° %(id)d', id=str(batch.id))} : {batch.status.label}",
        accepted=batch.accepted,
        rejected=batch.rejected_count,
    )


def _unlock(batch: ExportBatch, **changes) -> None:
    """Free the batch's sheets (one statement), and forget their stale copies."""
    db.session.execute(
        sa.update(Timesheet)
        .where(Timesheet.export_lock_id == batch.id)
        .values(export_lock_id=None, **changes)
        .execution_options(synchronize_session=False)
    )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Timesheet):
            db.session.expire(obj)


def _finish(batch: ExportBatch, lease: Lease | None, *where, **values) -> bool:
    """Move an unfinished batch on with one conditional UPDATE, held by ``lease`` when given.
    False (or LeaseLostError with a lease) when another run or the reaper moved it first."""
    db.session.flush()
    held = [lease.held_where()] if lease else []
    moved = db.session.execute(
        sa.update(ExportBatch)
        .where(
            ExportBatch.id == batch.id,
            ExportBatch.status.in_(CLAIMABLE),
            *held,
            *where,
        )
        .values(lease_owner=None, lease_expires_at=None, due_at=None, **values)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if lease and not moved:
        raise LeaseLostError(f"export batch {batch.id}")
    return bool(moved)


def fail(
    batch: ExportBatch, error: AvantageError | dict, lease: Lease | None = None, *where
) -> bool:
    """A run that cannot go on: before BEGIN nothing reached Avantage (the sheets are freed);
    after it, only a resumed run (GET_BATCH first) may decide (the sheets stay locked).

    The portal's own reasons (``export_messages``) get the fix that fits that state. Without
    a lease, ``where`` says in which state the batch must still be (False if it is not)."""
    begun = batch.begun_at is not None
    if isinstance(error, AvantageError):
        report = runs.error_report(error)
    else:
        report = {**error, **(export_messages.RESUME if begun else export_messages.SEND_AGAIN)}
    if begun:
        return _finish(
            batch,
            lease,
            ExportBatch.begun_at.is_not(None),
            *where,
            status=BatchStatus.INTERRUPTED,
            error=report,
        )
    if not _finish(
        batch,
        lease,
        ExportBatch.begun_at.is_(None),
        *where,
        status=BatchStatus.FAILED,
        error=report,
        finished_at=utcnow(),
    ):
        return False
    _unlock(batch)
    return True


def wait_for_retry(batch: ExportBatch, error: AvantageError, due_at, lease: Lease) -> None:
    """A transient failure the queue will retry at ``due_at``: the batch waits, queued, with
    the reason and the countdown on its page; the lease goes back for the next attempt."""
    report = {**runs.error_report(error), "retrying": True}
    if not lease.release(status=BatchStatus.QUEUED, error=report, due_at=due_at):
        raise LeaseLostError(f"export batch {batch.id}")
    db.session.expire(batch)
