"""Sending an ExportBatch to Avantage, exactly once, and recording what Avantage decided.

Every run first asks GET_BATCH: a batch that Avantage already committed (the worker died
after COMMIT_BATCH, before the portal recorded it) is only recorded; an open one gets its
lines again (ADD_LINES is idempotent by line number) and is committed; an unknown one is
begun. Kill the worker anywhere and the next run converges.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.avantage import AvantageClient, AvantageError, BatchResult, ServerError
from portal.models import (
    AuditEvent,
    BatchStatus,
    ExportBatch,
    ExportLine,
    Timesheet,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import utcnow
from portal.services import audit, export_messages, runs

#: Lines per ADD_LINES call made by the portal (the client splits further under ``buffer``);
#: progress and the heartbeat are recorded after each.
CHUNK = 5000

#: Avantage's rejection codes, as sentences for the office.
REJECTIONS = {
    "UNKNOWN_EMPLOYEE": _l(
        "L'employé n'existe pas dans Avantage : vérifiez le lien de l'employé "
        "(section Employés de l'intégration)."
    ),
    "INACTIVE_EMPLOYEE": _l(
        "L'employé est inactif dans Avantage : réactivez-le dans Avantage ou "
        "retirez ses heures de l'envoi."
    ),
    "UNKNOWN_PROJECT": _l(
        "Le projet n'existe pas dans Avantage : vérifiez le lien du projet "
        "(Admin du projet → Configuration d'intégrations)."
    ),
    "CLOSED_PROJECT": _l(
        "Le projet est fermé dans Avantage : on ne peut plus y saisir de temps. "
        "Rouvrez-le dans Avantage ou changez le projet de ces heures."
    ),
    "UNKNOWN_ACTIVITY": _l(
        "L'activité n'existe pas dans ce projet d'Avantage : synchronisez les activités du projet."
    ),
    "UNKNOWN_TRADE": _l("Le métier n'existe pas dans Avantage : synchronisez les métiers."),
    "UNKNOWN_HOUR_TYPE": _l(
        "Le type d'heures n'existe pas dans Avantage : revoyez la "
        "correspondance des types d'heures."
    ),
    "UNKNOWN_EARNING": _l(
        "Ce gain n'existe pas dans Avantage : revoyez la correspondance des dépenses et primes."
    ),
    "INVALID_HOURS": _l(
        "Heures refusées : une ligne à zéro heure, ou plus de 24 heures pour "
        "l'employé ce jour-là en comptant ce qu'Avantage a déjà."
    ),
}


def rejection_sentence(code: str, message: str) -> str:
    return str(REJECTIONS[code]) if code in REJECTIONS else f"{code} : {message}"


def remote_state(client: AvantageClient, batch: ExportBatch) -> BatchResult | None:
    """What Avantage has of the batch (None: never begun)."""
    try:
        return client.get_batch(batch.batch_key)
    except ServerError as error:
        if error.code == "NOT_FOUND":
            return None
        raise


def send(batch: ExportBatch, client: AvantageClient) -> None:
    """Bring the batch to its end in Avantage and record the outcome (commits as it goes)."""
    batch.status = BatchStatus.SENDING
    batch.started_at = batch.started_at or utcnow()
    batch.heartbeat_at, batch.error = utcnow(), None
    db.session.commit()
    state = remote_state(client, batch)
    if state is None or state.state == "open":
        if state is None:
            begun = client.begin_batch(batch.batch_key)
            batch.avantage_batch, batch.begun_at = begun.batch, utcnow()
            db.session.commit()
        _add_lines(batch, client)
        state = client.commit_batch(batch.batch_key, atomic=True)
    record(batch, state)


def _payloads(batch: ExportBatch) -> list[dict]:
    """The batch's lines exactly as frozen at its creation, in line order."""
    return list(
        db.session.scalars(
            sa.select(ExportLine.payload)
            .where(ExportLine.batch_id == batch.id)
            .order_by(ExportLine.line_no)
        )
    )


def _add_lines(batch: ExportBatch, client: AvantageClient) -> None:
    payloads = _payloads(batch)
    batch.lines_sent = 0
    for start in range(0, len(payloads), CHUNK):
        client.add_lines(batch.batch_key, payloads[start : start + CHUNK])
        batch.lines_sent = min(len(payloads), start + CHUNK)
        batch.heartbeat_at = utcnow()
        db.session.commit()


def record(batch: ExportBatch, state: BatchResult) -> None:
    """Committed: freeze the validated sheets and show the batch on each; rejected: change
    nothing but the rejections shown against their lines. Unlocks the sheets either way.

    Sheets are updated with one statement each way (a batch can hold thousands of them),
    conditional on this batch's lock and on the status: only the sheets the freeze matched
    are audited. These are the only changes a frozen sheet accepts (see models/guards.py).
    """
    now = utcnow()
    batch.avantage_batch = state.batch or batch.avantage_batch
    batch.finished_at = now
    mine = Timesheet.export_lock_id == batch.id
    if state.state == "committed":
        batch.status, batch.accepted = BatchStatus.COMMITTED, state.accepted
        batch.lines_sent = batch.line_count
        frozen = db.session.scalars(
            sa.update(Timesheet)
            .where(mine, Timesheet.status == TimesheetStatus.VALIDATED)
            .values(
                status=TimesheetStatus.FROZEN,
                frozen_at=now,
                frozen_by_id=batch.requested_by_id,
                updated_at=now,
            )
            .returning(Timesheet.id)
            .execution_options(synchronize_session=False)
        ).all()
        _audit_freezes(batch, frozen, now)
        unlock = {"last_export_id": batch.id}
    else:
        batch.status = BatchStatus.REJECTED
        if state.rejected:
            table = ExportLine.__table__
            db.session.execute(
                table.update()
                .where(table.c.batch_id == batch.id, table.c.line_no == sa.bindparam("number"))
                .values(
                    rejection_code=sa.bindparam("code"), rejection_message=sa.bindparam("text")
                ),
                [
                    {
                        "number": rejection.get("line"),
                        "code": str(rejection.get("code"))[:40],
                        "text": str(rejection.get("message", ""))[:300],
                    }
                    for rejection in state.rejected
                ],
            )
        batch.rejected_count = len(state.rejected)
        unlock = {}
    _unlock(batch, **unlock)
    audit.record(
        batch.company_id,
        batch.requested_by,
        f"export.{batch.status.value}",
        batch,
        f"{batch.avantage_batch or batch.batch_key} : {batch.status.label}",
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


def _audit_freezes(batch: ExportBatch, frozen: list[int], now) -> None:
    """One audit event per sheet this run's UPDATE froze (``frozen``), in one statement."""
    if not frozen:
        return
    rows = db.session.execute(
        sa.select(Timesheet.id, Timesheet.week_start, User.first_name, User.last_name)
        .join(User, User.id == Timesheet.employee_id)
        .where(Timesheet.id.in_(frozen))
    )
    events = [
        {
            "company_id": batch.company_id,
            "user_id": batch.requested_by_id,
            "at": now,
            "action": "timesheet.freeze",
            "target_type": "Timesheet",
            "target_id": sheet_id,
            "summary": f"{first} {last} — {week.isoformat()} : {TimesheetStatus.VALIDATED.label} "
            f"→ {TimesheetStatus.FROZEN.label} ({batch.avantage_batch})"[:300],
            "details": {"previous": "validated", "status": "frozen", "batch": batch.id},
        }
        for sheet_id, week, first, last in rows
    ]
    db.session.execute(AuditEvent.__table__.insert(), events)


def fail(batch: ExportBatch, error: AvantageError | dict) -> None:
    """A run that cannot go on: before BEGIN nothing reached Avantage (the sheets are freed);
    after it, only a resumed run (GET_BATCH first) may decide (the sheets stay locked).

    The portal's own reasons (``export_messages``) get the fix that fits that state."""
    begun = batch.begun_at is not None
    if isinstance(error, AvantageError):
        batch.error = runs.error_report(error)
    else:
        batch.error = {**error, **(export_messages.RESUME if begun else export_messages.SEND_AGAIN)}
    if not begun:
        batch.status, batch.finished_at = BatchStatus.FAILED, utcnow()
        _unlock(batch)
    else:
        batch.status = BatchStatus.INTERRUPTED


def interrupt_stale(company_id: int, stale_after: float) -> int:
    """Batches whose worker stopped reporting (killed) are marked for a resumed run."""
    limit = utcnow() - timedelta(seconds=stale_after)
    stale = db.session.scalars(
        db.select(ExportBatch).where(
            ExportBatch.company_id == company_id,
            ExportBatch.status == BatchStatus.SENDING,
            ExportBatch.heartbeat_at < limit,
        )
    )
    count = 0
    for batch in stale:
        fail(batch, export_messages.ABANDONED)
        count += 1
    return count
