"""The life of a SyncRun: opened once per section, progress, end, cancel, abandoned runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.avantage import AvantageError
from portal.errors import NotFoundError, PortalError
from portal.models import (
    Integration,
    Project,
    RunStatus,
    SyncRun,
    SyncSchedule,
    SyncSection,
    User,
    db,
)
from portal.models.base import get_in_company, utcnow
from portal.services import audit, leases, run_messages
from portal.services.leases import Lease, LeaseLostError


class SyncCancelledError(Exception):
    """Raised between pages when someone clicked Annuler."""


def lock_key(integration: Integration, section: SyncSection, project: Project | None) -> str:
    return f"{integration.id}:{section.value}:{project.id if project else '-'}"


def active_run(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> SyncRun | None:
    return db.session.scalar(
        db.select(SyncRun).where(
            SyncRun.lock_key == lock_key(integration, section, project), SyncRun.active.is_(True)
        )
    )


def open_run(
    integration: Integration,
    section: SyncSection,
    actor: User | None,
    *,
    full: bool,
    preview: bool,
    project: Project | None = None,
    schedule: SyncSchedule | None = None,
) -> tuple[SyncRun, bool]:
    """The queued or running run of the section, or a new queued one (committed).

    Returns (run, created). A unique index on active runs makes two simultaneous clicks
    (two tabs, two users) end up with the same run.
    """
    existing = active_run(integration, section, project)
    if existing is not None:
        return existing, False
    last = last_success(integration, section, project)
    run = SyncRun(
        company_id=integration.company_id,
        integration_id=integration.id,
        section=section,
        project_id=project.id if project else None,
        lock_key=lock_key(integration, section, project),
        full=full,
        preview=preview,
        requested_by_id=actor.id if actor is not None else None,
        schedule_id=schedule.id if schedule is not None else None,
        since=None if full or last is None else last.server_time,
        due_at=utcnow(),
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = active_run(integration, section, project)
        if existing is None:
            raise
        return existing, False
    audit.record(
        integration.company_id,
        actor,
        "sync.start",
        run,
        f"{integration.external_id} : {section.label}"
        + (f" ({project.number})" if project else ""),
        full=full,
        preview=preview,
    )
    db.session.commit()
    return run, True


def last_success(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> SyncRun | None:
    """The latest successful run that wrote (not a preview): the base of an incremental run."""
    return db.session.scalar(
        db.select(SyncRun)
        .where(
            SyncRun.lock_key == lock_key(integration, section, project),
            SyncRun.status == RunStatus.SUCCEEDED,
            SyncRun.preview.is_(False),
        )
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )


def history(
    integration: Integration, section: SyncSection, project: Project | None = None, limit: int = 10
) -> list[SyncRun]:
    return list(
        db.session.scalars(
            db.select(SyncRun)
            .where(SyncRun.lock_key == lock_key(integration, section, project))
            .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
            .limit(limit)
        )
    )


def get_run(company_id: int, run_id: int) -> SyncRun:
    run = get_in_company(SyncRun, company_id, run_id)
    if run is None:
        raise NotFoundError()
    return run


def claim(lease: Lease) -> bool:
    """Take the run for this job: it is still active, queued or running with an expired lease
    (a worker killed mid-run whose job the queue started again)."""
    return lease.take(
        (RunStatus.QUEUED, RunStatus.RUNNING), SyncRun.active.is_(True), status=RunStatus.RUNNING
    )


def mark_started(run: SyncRun, server_time: str | None) -> None:
    now = utcnow()
    run.attempts = run.attempts + 1
    run.started_at = run.started_at or now
    run.server_time = server_time
    run.error = None


def report_progress(run: SyncRun, *, total: int | None) -> None:
    """Record that a page was processed (the caller commits it with the page)."""
    run.total = total
    run.heartbeat_at = utcnow()


def check_cancelled(run: SyncRun) -> None:
    """Raise SyncCancelledError if someone clicked Annuler (read fresh from the database)."""
    cancel = db.session.scalar(db.select(SyncRun.cancel_requested).where(SyncRun.id == run.id))
    if cancel:
        raise SyncCancelledError()


def _end(run: SyncRun, status: RunStatus, *where, lease: Lease | None = None, **values) -> bool:
    """End an active run with one conditional UPDATE: held by ``lease`` when given, else
    matching ``where``. False when it was not (another job or the reaper ended it first)."""
    db.session.flush()
    held = [lease.held_where()] if lease else []
    ended = db.session.execute(
        sa.update(SyncRun)
        .where(SyncRun.id == run.id, SyncRun.active.is_(True), *held, *where)
        .values(
            status=status,
            active=False,
            finished_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
            due_at=None,
            **values,
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if lease and not ended:
        raise LeaseLostError(f"sync run {run.id}")
    return bool(ended)


def finish(run: SyncRun, lease: Lease | None = None) -> None:
    _end(run, RunStatus.SUCCEEDED, lease=lease)


def error_report(error: AvantageError) -> dict:
    """The client's typed error as stored on a run: both languages, never a secret."""
    return {
        "type": type(error).__name__,
        "message_fr": error.message_fr,
        "message_en": error.message_en,
        "fix_fr": error.fix_fr,
        "fix_en": error.fix_en,
    }


def portal_error_report(error: PortalError) -> dict:
    """One of our own refusals (already in the worker's language) as a run's error."""
    message = str(error.message)
    return {
        "type": type(error).__name__,
        "message_fr": message,
        "message_en": message,
        "fix_fr": "",
        "fix_en": "",
    }


def fail(run: SyncRun, error: AvantageError | dict, lease: Lease | None = None) -> None:
    """End the run as failed with the client's typed message or one of ours."""
    report = error_report(error) if isinstance(error, AvantageError) else dict(error)
    _end(run, RunStatus.FAILED, lease=lease, error=report)


def wait_for_retry(run: SyncRun, error: AvantageError, due_at: datetime, lease: Lease) -> None:
    """A transient failure the queue will retry at ``due_at``: the run waits, queued, with
    the reason and the countdown on its page; the lease goes back for the next attempt."""
    report = {**error_report(error), "retrying": True}
    if not lease.release(status=RunStatus.QUEUED, error=report, due_at=due_at):
        raise LeaseLostError(f"sync run {run.id}")
    db.session.expire(run)


def cancel(run: SyncRun, actor: User) -> None:
    """Ask a running run to stop between pages; a queued one stops at once."""
    if not run.status.active:
        return
    db.session.execute(sa.update(SyncRun).where(SyncRun.id == run.id).values(cancel_requested=True))
    _end(run, RunStatus.CANCELLED, SyncRun.status == RunStatus.QUEUED)
    audit.record(run.company_id, actor, "sync.cancel", run, f"{run.section.label} #{run.id}")


def mark_cancelled(run: SyncRun, lease: Lease | None = None) -> None:
    _end(run, RunStatus.CANCELLED, lease=lease)


def abandon_lost(run: SyncRun, reason: dict = run_messages.LOST) -> bool:
    """A queued run whose job (or scheduled retry) the queue no longer holds."""
    return _end(
        run,
        RunStatus.ABANDONED,
        SyncRun.status == RunStatus.QUEUED,
        leases.expired(SyncRun),
        error=dict(reason),
    )


def abandon_stale_runs(company_id: int | None, now: datetime) -> int:
    """Running runs whose lease expired (their worker was killed) become abandoned; each with
    a conditional UPDATE. ``company_id`` None is the reaper's pass over every company.

    The candidates are read first: a page polling a healthy run writes nothing (on SQLite,
    any UPDATE takes the database's write lock)."""
    tenant = [SyncRun.company_id == company_id] if company_id is not None else []
    stale = [
        SyncRun.active.is_(True),
        SyncRun.status == RunStatus.RUNNING,
        leases.expired(SyncRun, now),
    ]
    candidates = db.session.scalars(sa.select(SyncRun.id).where(*tenant, *stale)).all()
    if not candidates:
        return 0
    return db.session.execute(
        sa.update(SyncRun)
        .where(SyncRun.id.in_(candidates), *stale)
        .values(
            status=RunStatus.ABANDONED,
            active=False,
            finished_at=now,
            lease_owner=None,
            lease_expires_at=None,
            error=dict(run_messages.ABANDONED),
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
