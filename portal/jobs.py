"""RQ entry points and the only module that talks to RQ.

Jobs take ids only (never a secret), open an app context, build a client from the
integration's default access point, call a service, and record the run.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, current_app, has_app_context, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

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
from portal.services import avantage_access, export_run, mail, password_reset, runs, sync

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


def _job_lost(job_id: str) -> bool:
    """True when the queue no longer has a job that should be waiting (Redis restarted…)."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return True
    except RedisError:
        return False  # cannot tell now; the page says the queue is unreachable
    return job.get_status(refresh=True) in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED)


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


def refresh(run: SyncRun) -> SyncRun:
    """Detect a run whose worker died or whose job the queue lost, before showing it."""
    if run.status.active:
        _reap(run.company_id)
        if run.status == RunStatus.QUEUED and not run.error and _job_lost(sync_job_id(run)):
            runs.mark_abandoned(run, runs.LOST)
        db.session.commit()
    return run


def _reap(company_id: int) -> None:
    stale_after = current_app.config.get("SYNC_STALE_SECONDS", 120)
    if runs.abandon_stale_runs(company_id, utcnow(), stale_after):
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
    return f"export-batch-{batch.id}-{batch.attempts}"


def start_export(batch: ExportBatch) -> None:
    """Queue the batch's run (a new batch, or an interrupted one to resume)."""
    batch.status, batch.error = BatchStatus.QUEUED, None
    db.session.commit()
    try:
        _enqueue(
            "portal.jobs.run_export", batch.id, export_job_id(batch), f"export batch {batch.id}"
        )
    except RedisError:
        log.exception("cannot enqueue export batch %s", batch.id)
        export_run.fail(batch, runs.QUEUE_DOWN)
        db.session.commit()
        raise QueueUnavailableError(
            _(
                "La file des tâches (Redis) est injoignable : rien n'a été envoyé à Avantage "
                "et les feuilles restent disponibles. Réessayez dans un moment."
            )
        ) from None


def refresh_export(batch: ExportBatch) -> ExportBatch:
    """Detect a batch whose worker died (it becomes Interrompu, to be resumed)."""
    if batch.status == BatchStatus.SENDING:
        stale_after = current_app.config.get("SYNC_STALE_SECONDS", 120)
        if export_run.interrupt_stale(batch.company_id, stale_after):
            db.session.commit()
    elif batch.status == BatchStatus.QUEUED and not batch.error and _job_lost(export_job_id(batch)):
        export_run.fail(batch, runs.LOST)
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
            export_run.fail(batch, runs.NO_ACCESS_POINT)
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
            export_run.fail(batch, runs.UNEXPECTED)
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
