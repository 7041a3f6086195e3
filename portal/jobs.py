"""RQ entry points and the only module that talks to RQ.

Jobs take ids only (never a secret), open an app context, build a client from the
integration's default access point, call a service, and record the run.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from portal.avantage import AvantageError
from portal.errors import PortalError
from portal.extensions import db, queue
from portal.models import (
    BatchStatus,
    ExportBatch,
    Integration,
    Project,
    RunStatus,
    SyncRun,
    SyncSection,
    User,
)
from portal.models.base import utcnow
from portal.services import (
    avantage_access,
    export_batch,
    export_messages,
    export_run,
    mail,
    password_reset,
    runs,
    sync,
)

log = logging.getLogger(__name__)

#: Retries by the queue after the client's own retries gave up on a transient failure.
SYNC_RETRY_INTERVALS = [5, 20, 60]


class QueueUnavailableError(PortalError):
    """Redis cannot be reached: nothing was queued."""


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    from portal import create_app

    return create_app()


def _enqueue(function: str, object_id: int, job_id: str, description: str) -> None:
    """Queue a job by dotted path with its one id argument; RQ retries transient failures."""
    config = current_app.config
    queue.queue.enqueue(
        function,
        object_id,
        job_id=job_id,
        retry=Retry(
            max=len(SYNC_RETRY_INTERVALS),
            interval=config.get("SYNC_RETRY_INTERVALS", SYNC_RETRY_INTERVALS),
        ),
        job_timeout=config.get("SYNC_JOB_TIMEOUT", 3600),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=description,
    )


def _job_lost(job_id: str, now: datetime | None = None) -> bool:
    """True when the queue no longer holds a job that should be waiting: gone (Redis lost its
    data), ended, or a retry due so long ago that no scheduler is left to start it."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        status = job.get_status(refresh=True)
        if status == JobStatus.SCHEDULED:
            due = ScheduledJobRegistry(queue=queue.queue).get_scheduled_time(job)
            return due < (now or utcnow()) - timedelta(seconds=_stale_after())
    except NoSuchJobError:
        return True
    except RedisError:
        return False  # cannot tell now; the page says the queue is unreachable
    return status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED)


def _stale_after() -> float:
    return current_app.config.get("SYNC_STALE_SECONDS", 120)


def sync_job_id(run: SyncRun) -> str:
    return f"sync-run-{run.id}"


def start_sync(
    integration: Integration,
    section: SyncSection,
    actor: User,
    *,
    full: bool = False,
    preview: bool = False,
    project: Project | None = None,
) -> SyncRun:
    """The section's queued or running run, or a new one queued now (one per section)."""
    _reap(integration.company_id)
    if integration.default_access_point is None:
        raise PortalError(
            _(
                "Cette intégration n'a pas de point d'accès par défaut : ajoutez-en "
                "un dans la section Point d'accès."
            )
        )
    run, created = runs.open_run(
        integration, section, actor, full=full, preview=preview, project=project
    )
    if not created:
        return run
    try:
        _enqueue(
            "portal.jobs.run_sync",
            run.id,
            sync_job_id(run),
            f"sync {section.value} integration {integration.id}",
        )
    except RedisError:
        log.exception("cannot enqueue sync run %s", run.id)
        runs.fail(run, runs.QUEUE_DOWN)
        db.session.commit()
        raise QueueUnavailableError(
            _(
                "La file des tâches (Redis) est injoignable : la synchronisation n'a pas été "
                "lancée. Réessayez dans un moment; si le problème persiste, vérifiez que "
                "Redis et les processus de travail (worker.py) fonctionnent."
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
    """Detect a run whose worker died or whose job (or scheduled retry) the queue lost."""
    if run.status.active:
        _reap(run.company_id)
        if run.status == RunStatus.QUEUED and _job_lost(sync_job_id(run), now):
            runs.mark_abandoned(run, runs.LOST)
        db.session.commit()
    return run


def _reap(company_id: int) -> None:
    if runs.abandon_stale_runs(company_id, utcnow(), _stale_after()):
        db.session.commit()


def run_sync(run_id: int) -> None:
    """RQ job: run one SyncRun to its end (or leave it to a retry on a transient failure)."""
    with _app().app_context():
        run = db.session.get(SyncRun, run_id)
        if run is None or not run.status.active:
            return  # cancelled before it started, or ended by another attempt
        point = run.integration.default_access_point
        if point is None:
            runs.fail(run, runs.NO_ACCESS_POINT)
            db.session.commit()
            return
        try:
            config = current_app.config
            client = avantage_access.open_client(
                point, retries=config.get("SYNC_CLIENT_RETRIES", 3)
            )
            with client:
                runs.mark_started(run, client.server_time)
                db.session.commit()
                sync.run_section(
                    run,
                    client,
                    sync.section_sync(run.section),
                    page_size=config.get("SYNC_PAGE_SIZE", 500),
                )
            runs.finish(run)
        except runs.SyncCancelledError:
            db.session.rollback()
            runs.mark_cancelled(run)
        except AvantageError as error:
            db.session.rollback()
            job = get_current_job()
            if error.transient and job is not None and (job.retries_left or 0) > 0:
                runs.note_retry(run, error)
                db.session.commit()
                raise  # RQ queues the next attempt after its interval
            runs.fail(run, error)
        except PortalError as error:  # e.g. the project was unlinked while the run waited
            db.session.rollback()
            runs.fail(run, runs.portal_error_report(error))
        except Exception:
            db.session.rollback()
            log.exception("sync run %s failed", run_id)
            runs.fail(run, runs.UNEXPECTED)
            db.session.commit()
            raise
        db.session.commit()


# --- Exportation vers la paie ------------------------------------------------------------------


def export_job_id(batch: ExportBatch) -> str:
    """The job of the batch's latest queued run; RQ's retries of that run keep it."""
    return f"export-batch-{batch.id}-{batch.attempts}"


def start_export(batch: ExportBatch) -> None:
    """Queue the batch's run (a new batch, or an interrupted one to resume).

    With Redis unreachable, a new batch is undone (nothing was sent, no batch is kept) and a
    batch to resume is kept as it was, to resume once the queue is back.
    """
    resuming = batch.attempts > 0
    previous = (batch.status, batch.error, batch.attempts)
    batch.status, batch.error = BatchStatus.QUEUED, None
    batch.attempts += 1  # a run queued by the portal (a new batch, or Reprendre)
    db.session.commit()
    try:
        _enqueue(
            "portal.jobs.run_export", batch.id, export_job_id(batch), f"export batch {batch.id}"
        )
    except RedisError:
        log.exception("cannot enqueue export batch %s", batch.id)
        if resuming:
            batch.status, batch.error, batch.attempts = previous
            db.session.commit()
            raise QueueUnavailableError(
                _(
                    "La file des tâches (Redis) est injoignable : le lot est conservé tel quel "
                    "et pourra être repris dès que la file sera de retour. Réessayez dans un "
                    "moment; si cela dure, prévenez l'administrateur du portail."
                )
            ) from None
        export_batch.discard_unsent(batch)
        db.session.commit()
        raise QueueUnavailableError(
            _(
                "La file des tâches (Redis) est injoignable : rien n'a été envoyé et aucun lot "
                "n'a été créé; les feuilles restent disponibles. Réessayez dans un moment; si "
                "cela dure, prévenez l'administrateur du portail."
            )
        ) from None


def refresh_export(batch: ExportBatch, now: datetime | None = None) -> ExportBatch:
    """Detect a batch whose worker died, or whose job or scheduled retry the queue lost: it
    becomes Interrompu (to resume) once begun in Avantage, else Échoué with its sheets freed."""
    if batch.status == BatchStatus.SENDING:
        if export_run.interrupt_stale(batch.company_id, _stale_after()):
            db.session.commit()
    elif batch.status == BatchStatus.QUEUED and _job_lost(export_job_id(batch), now):
        export_run.fail(batch, export_messages.LOST)
        db.session.commit()
    return batch


def run_export(batch_id: int) -> None:
    """RQ job: send one export batch (asking Avantage first what it already has)."""
    with _app().app_context():
        batch = db.session.get(ExportBatch, batch_id)
        if batch is None or batch.status not in (BatchStatus.QUEUED, BatchStatus.SENDING):
            return  # already over, or superseded by a resumed run
        point = batch.integration.default_access_point
        if point is None:
            export_run.fail(batch, export_messages.NO_ACCESS_POINT)
            db.session.commit()
            return
        try:
            client = avantage_access.open_client(
                point, retries=current_app.config.get("SYNC_CLIENT_RETRIES", 3)
            )
            with client:
                export_run.send(batch, client)
        except AvantageError as error:
            db.session.rollback()
            job = get_current_job()
            if error.transient and job is not None and (job.retries_left or 0) > 0:
                batch.status, batch.error = (
                    BatchStatus.QUEUED,
                    {**runs.error_report(error), "retrying": True},
                )
                db.session.commit()
                raise
            export_run.fail(batch, error)
        except Exception:
            db.session.rollback()
            log.exception("export batch %s failed", batch_id)
            export_run.fail(batch, export_messages.UNEXPECTED)
            db.session.commit()
            raise
        db.session.commit()


def start_password_email(user_id: int) -> None:
    """Queue the e-mail of a reset link; the job makes the token, so none sits in Redis."""
    try:
        queue.queue.enqueue(
            "portal.jobs.send_password_email",
            user_id,
            retry=Retry(max=3, interval=[10, 60, 300]),
            job_timeout=120,
            result_ttl=0,
            description=f"password e-mail user {user_id}",
        )
    except RedisError:
        log.exception("cannot enqueue the password e-mail of user %s", user_id)
        raise QueueUnavailableError(
            _("Le courriel n'a pas pu être envoyé pour l'instant. Réessayez dans un moment.")
        ) from None


def send_password_email(user_id: int) -> None:
    """E-mail ``user_id`` a one-time link to choose a password (SMTP failures are retried)."""
    app = _app()
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            return
        lifetime = app.config["PASSWORD_RESET_EMAIL_SECONDS"]
        token = password_reset.make_token(user, lifetime)
        with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
            link = url_for("auth.reset_password", token=token, _external=True)
        mail.send_password_reset(user, link, lifetime)
