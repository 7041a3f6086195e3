"""The reaper: runs and batches that no live job holds move to a state the office can act on.

A run or batch not finished is held by a live job (its lease, renewed by a heartbeat), or
waits for a job the queue really holds (queued, or a retry scheduled for later). The reaper
finds the others: a lease expired (the worker was killed), or a job the queue lost (Redis
restarted without its data). Each page that shows a run reaps its company; every worker
also reaps every company every REAPER_SECONDS, so nobody has to look for it to happen.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.jobs.queueing import export_job_id, job_lost, reconcile_job_id, sync_job_id
from portal.models import (
    BatchStatus,
    ExportBatch,
    Reconciliation,
    ReconciliationStatus,
    RunStatus,
    SyncRun,
)
from portal.models.base import utcnow
from portal.services import export_recovery, leases, reconciliation, runs

log = logging.getLogger(__name__)

#: A row queued this recently may not be in the queue yet (it is committed first).
QUEUING_GRACE = timedelta(seconds=10)


def reap_company(company_id: int, now: datetime | None = None) -> int:
    """Runs and batches of one company whose lease expired (a page showing one calls this);
    how many moved. Committed when one did: a poll of a healthy run writes nothing, and its
    session keeps what it loaded (a commit would expire it all, to be read again)."""
    now = now or utcnow()
    moved = runs.abandon_stale_runs(company_id, now) + export_recovery.abandon_stale(
        company_id, now
    )
    if moved:
        db.session.commit()
    return moved


def _maybe_lost(due_at: datetime | None, now: datetime) -> bool:
    """Queued long enough ago that the queue must hold its job (a future due time is a
    scheduled retry, which the queue must hold too)."""
    return due_at is None or due_at > now or due_at < now - QUEUING_GRACE


def reap(now: datetime | None = None) -> int:
    """One pass over every company: expired leases, then queued rows whose job is lost."""
    now = now or utcnow()
    moved = runs.abandon_stale_runs(None, now) + export_recovery.abandon_stale(None, now)
    queued_runs = db.session.scalars(
        sa.select(SyncRun).where(SyncRun.active.is_(True), SyncRun.status == RunStatus.QUEUED)
    ).all()
    for run in queued_runs:
        if _maybe_lost(run.due_at, now) and job_lost(sync_job_id(run), now):
            moved += runs.abandon_lost(run)
    queued_batches = db.session.scalars(
        sa.select(ExportBatch).where(ExportBatch.status == BatchStatus.QUEUED)
    ).all()
    for batch in queued_batches:
        if _maybe_lost(batch.due_at, now) and job_lost(export_job_id(batch), now):
            moved += export_recovery.abandon_lost(batch)
    moved += _reap_reconciliations(now)
    db.session.commit()
    if moved:
        log.info("reaper: %d run(s) or batch(es) had no live job", moved)
    return moved


def _reap_reconciliations(now: datetime) -> int:
    """Reconciliations whose job died (lease expired) or that the queue lost: failed, to run
    again (they wrote nothing until their end)."""
    moved = 0
    unfinished = db.session.scalars(
        sa.select(Reconciliation).where(Reconciliation.active.is_(True))
    ).all()
    for item in unfinished:
        moved += refresh_reconciliation(item, now)
    return moved


def refresh_reconciliation(item: Reconciliation, now: datetime | None = None) -> int:
    """Fail ``item`` when no live job holds it: its lease expired while running, or the
    queue lost its job (it wrote nothing before its end); 1 when it did."""
    if not item.active:
        return 0
    now = now or utcnow()
    if item.status == ReconciliationStatus.RUNNING:
        lost = leases.has_expired(item, now)
    else:
        lost = _maybe_lost(item.due_at, now) and job_lost(reconcile_job_id(item), now)
    if not lost:
        return 0
    reconciliation.fail(item, reconciliation.LOST)
    return 1


class Reaper:
    """A thread that reaps every ``interval`` seconds, in its own app context and session."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app, self.interval = app, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reaper", daemon=True)

    def _run(self) -> None:
        with self.app.app_context():
            try:
                while not self._stop.wait(self.interval):
                    try:
                        reap()
                    except SQLAlchemyError:
                        log.exception("reaper: the database is unreachable; next pass later")
                        db.session.rollback()
            finally:
                db.session.remove()

    def __enter__(self) -> Reaper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
