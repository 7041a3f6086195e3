"""Synchroniser: queue a section's run, cancel it, detect it lost, and the job that runs it."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job

from portal.avantage import AvantageError
from portal.errors import PortalError
from portal.extensions import db, queue
from portal.i18n import gettext as _
from portal.jobs import reaper
from portal.jobs.heartbeat import connected
from portal.jobs.queueing import (
    QueueUnavailableError,
    current_owner,
    enqueue,
    job_app,
    job_lost,
    settle_avantage_error,
    stale_seconds,
    sync_job_id,
)
from portal.models import (
    Integration,
    Project,
    RunStatus,
    SyncRun,
    SyncSchedule,
    SyncSection,
    User,
)
from portal.services import run_messages, runs, sync
from portal.services.leases import Lease, LeaseLostError, has_expired

log = logging.getLogger(__name__)


def start_sync(
    integration: Integration,
    section: SyncSection,
    actor: User | None,
    *,
    full: bool = False,
    preview: bool = False,
    project: Project | None = None,
    schedule: SyncSchedule | None = None,
) -> SyncRun:
    """The section's queued or running run, or a new one queued now (one per section);
    ``actor`` None with the ``schedule`` that starts it."""
    reaper.reap_company(integration.company_id)
    if integration.default_access_point is None:
        raise PortalError(
            _(
                "Cette intégration n'a pas de point d'accès par défaut : ajoutez-en "
                "un dans la section Point d'accès."
            )
        )
    run, created = runs.open_run(
        integration, section, actor, full=full, preview=preview, project=project, schedule=schedule
    )
    if not created:
        return run
    try:
        enqueue(
            "portal.jobs.run_sync",
            (run.id,),
            sync_job_id(run),
            f"sync {section.value} integration {integration.id}",
        )
    except RedisError:
        log.exception("cannot enqueue sync run %s", run.id)
        runs.fail(run, run_messages.QUEUE_DOWN)
        db.session.commit()
        raise QueueUnavailableError(
            _(
                "La file des tâches (Redis) est injoignable : la synchronisation n'a pas été "
                "lancée. Réessayez dans un moment; si cela dure, prévenez l'administrateur "
                "du portail."
            )
        ) from None
    return run


def cancel_sync(run: SyncRun, actor: User) -> None:
    """Annuler: a queued run ends now (its job is dropped), a running one between pages."""
    was_queued = run.status == RunStatus.QUEUED
    runs.cancel(run, actor)
    db.session.commit()
    if was_queued:
        # The job may be gone already; if not, it finds its run cancelled and does nothing.
        with contextlib.suppress(NoSuchJobError, RedisError):
            Job.fetch(sync_job_id(run), connection=queue.connection).cancel()


def refresh(run: SyncRun, now: datetime | None = None) -> SyncRun:
    """Detect a run whose worker died or whose job (or scheduled retry) the queue lost.

    Its lease, loaded with it, tells whether the reaper has anything to do for it: a poll of
    a healthy run sends no statement of its own."""
    if run.status == RunStatus.RUNNING and has_expired(run, now):
        reaper.reap_company(run.company_id, now)
    elif run.status == RunStatus.QUEUED and job_lost(sync_job_id(run), now):
        runs.abandon_lost(run)
        db.session.commit()
    return run


def run_sync(run_id: int) -> None:
    """RQ job: run one SyncRun to its end (or leave it to a retry on a transient failure).

    The run is taken under a lease first: a second job for it (an RQ retry, a duplicate)
    finds it held and does nothing."""
    app = job_app()
    with app.app_context():
        lease = Lease(SyncRun, run_id, current_owner(), stale_seconds())
        if not runs.claim(lease):
            log.info("sync run %s is held by another job, or over", run_id)
            return
        run = db.session.get(SyncRun, run_id)
        try:
            _run(app, run, lease)
        except LeaseLostError:
            db.session.rollback()
            log.warning("sync run %s was taken over by another job: this one stops", run_id)


def _run(app, run: SyncRun, lease: Lease) -> None:
    point = run.integration.default_access_point
    if point is None:
        runs.fail(run, run_messages.NO_ACCESS_POINT, lease)
        db.session.commit()
        return
    try:
        with connected(app, lease, point) as client:
            runs.mark_started(run, client.server_time)
            db.session.commit()
            sync.run_section(
                run,
                client,
                sync.section_sync(run.section),
                page_size=current_app.config.get("SYNC_PAGE_SIZE", sync.PAGE_SIZE),
                lease=lease,
            )
        runs.finish(run, lease)
    except runs.SyncCancelledError:
        db.session.rollback()
        runs.mark_cancelled(run, lease)
    except AvantageError as error:
        if settle_avantage_error(
            error,
            lambda error, due_at: runs.wait_for_retry(run, error, due_at, lease),
            lambda error: runs.fail(run, error, lease),
        ):
            raise  # RQ runs the next attempt at due_at
    except PortalError as error:  # e.g. the project was unlinked while the run waited
        db.session.rollback()
        runs.fail(run, runs.portal_error_report(error), lease)
    except LeaseLostError:
        raise
    except Exception:
        db.session.rollback()
        log.exception("sync run %s failed", run.id)
        runs.fail(run, run_messages.UNEXPECTED, lease)
        db.session.commit()
        raise
    db.session.commit()
