"""What every job shares: the app, queueing a job by id, asking the queue about it, settings.

This package is the only code that talks to RQ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from rq import Retry, Worker, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Dependency, Job, JobStatus
from rq.registry import ScheduledJobRegistry

from portal.avantage import AvantageError, NoAnswerError, PortClosedError
from portal.errors import PortalError
from portal.extensions import db, queue
from portal.models.base import utcnow
from portal.services import leases

log = logging.getLogger(__name__)


class QueueUnavailableError(PortalError):
    """Redis cannot be reached: nothing was queued."""


def job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    from portal import create_app

    return create_app()


def stale_seconds() -> float:
    """How long a run or batch may go without a heartbeat before it is presumed abandoned."""
    return current_app.config["RUN_STALE_SECONDS"]


def retry_intervals() -> list[float]:
    """The queue's waits between attempts after a transient failure: 5 s, 10 s, 20 s… adding
    up to AVANTAGE_RETRY_SECONDS (unless the intervals are set explicitly)."""
    config = current_app.config
    if config.get("AVANTAGE_RETRY_INTERVALS") is not None:
        return list(config["AVANTAGE_RETRY_INTERVALS"])
    total, step, intervals = config["AVANTAGE_RETRY_SECONDS"], 5, []
    while sum(intervals) < total:
        intervals.append(min(step, total - sum(intervals)))
        step *= 2
    return intervals


def enqueue(
    function: str, args: tuple, job_id: str, description: str, *, after: str | None = None
) -> None:
    """Queue a job by dotted path with ids only; the queue retries transient failures.

    A job id already in the queue is not queued a second time (``unique``). ``after``: the
    job waits for that job to end, whatever its outcome (RQ refuses ``unique`` there)."""
    intervals = retry_intervals()
    try:
        queue.queue.enqueue(
            function,
            *args,
            job_id=job_id,
            unique=after is None,
            depends_on=Dependency(jobs=[after], allow_failure=True) if after else None,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            job_timeout=current_app.config.get("SYNC_JOB_TIMEOUT", 3600),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=description,
        )
    except DuplicateJobError:
        log.info("job %s is already queued", job_id)


def retryable(error: AvantageError) -> bool:
    """A failure worth another attempt of the whole run: besides the client's transient
    errors, a server that refuses or ignores connections is restarting more often than not."""
    return error.transient or isinstance(error, PortClosedError | NoAnswerError)


def next_attempt_at(error: AvantageError) -> datetime | None:
    """When the queue will run this job again after ``error``, or None if it will not."""
    job = get_current_job()
    if not retryable(error) or job is None or not job.retries_left:
        return None
    return utcnow() + timedelta(seconds=job.get_retry_interval())


def settle_avantage_error(
    error: AvantageError,
    wait_for_retry: Callable[[AvantageError, datetime], None],
    fail: Callable[[AvantageError], object],
) -> bool:
    """After ``error`` ended an attempt: leave the row to the queue's next attempt (True: the
    job must re-raise so that RQ schedules it) or fail it for good (False)."""
    db.session.rollback()
    due_at = next_attempt_at(error)
    if due_at is not None:
        wait_for_retry(error, due_at)
        db.session.commit()
        return True
    fail(error)
    return False


def current_owner() -> str:
    job = get_current_job()
    return leases.new_owner(job.id if job else None)


def reconcile_job_id(item) -> str:
    return f"reconcile-{item.id}"


def sync_job_id(run) -> str:
    return f"sync-run-{run.id}"


def export_job_id(batch) -> str:
    """The job of the batch's latest queued run; RQ's retries of that run keep it."""
    return f"export-batch-{batch.id}-{batch.attempts}"


#: How late a scheduled retry may start and still be held: the workers' scheduler moves due
#: jobs to the queue about once a second, later on a busy machine or after a reconnection.
SCHEDULER_LATENESS_SECONDS = 10


def job_lost(job_id: str, now: datetime | None = None) -> bool:
    """True when the queue no longer holds a job that should be waiting: gone (Redis lost its
    data), ended, or a retry due so long ago that no scheduler is left to start it.

    A deferred job (a link of Tout synchroniser, waiting for the previous section's job) is
    lost only when the job it waits for is: a cancelled one never lets it run."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        status = job.get_status(refresh=True)
        if status == JobStatus.SCHEDULED:
            return _retry_lost(job, now or utcnow())
        if status == JobStatus.DEFERRED:
            dependency = job.dependency
            return dependency is None or job_lost(dependency.id, now)
    except NoSuchJobError:
        return True
    except RedisError:
        return False  # cannot tell now; the page says the queue is unreachable
    return status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED)


def _retry_lost(job: Job, now: datetime) -> bool:
    """A scheduled retry is lost when due long ago. RQ marks the job SCHEDULED first and adds
    it to the registry a moment later (a pipeline of its failure handling): a job not in the
    registry yet is lost only once its worker has been silent that long too."""
    limit = now - timedelta(seconds=max(stale_seconds(), SCHEDULER_LATENESS_SECONDS))
    try:
        return ScheduledJobRegistry(queue=queue.queue).get_scheduled_time(job) < limit
    except NoSuchJobError:
        return job.last_heartbeat is None or job.last_heartbeat < limit


@dataclass(frozen=True)
class Pickup:
    """Whether a queued run or batch is late to start, and what is known of the workers."""

    late: bool
    waited: int = 0
    #: Workers registered with the queue; None when Redis cannot be asked.
    workers: int | None = None


def pickup(due_at: datetime | None, now: datetime | None = None) -> Pickup:
    """A job due at ``due_at`` that no worker has started WORKER_PICKUP_SECONDS later."""
    waited = ((now or utcnow()) - due_at).total_seconds() if due_at else 0
    if waited < current_app.config["WORKER_PICKUP_SECONDS"]:
        return Pickup(late=False)
    try:
        workers = Worker.count(connection=queue.connection, queue=queue.queue)
    except RedisError:
        workers = None
    return Pickup(late=True, waited=int(waited), workers=workers)
