"""A scheduled retry the workers' scheduler has not moved to the queue yet is not lost until
it is clearly overdue, however short the stale limit of leases (the tests use 1 s)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue, Retry, SimpleWorker
from rq.job import JobStatus
from rq.utils import utcformat

from portal.extensions import queue
from portal.jobs.queueing import SCHEDULER_LATENESS_SECONDS, job_lost
from portal.models.base import utcnow


@pytest.mark.parametrize(("late", "lost"), [(2, False), (SCHEDULER_LATENESS_SECONDS + 5, True)])
def test_an_overdue_retry_is_lost_only_past_the_schedulers_lateness(app, rq, late, lost):
    app.config["RUN_STALE_SECONDS"] = 1
    due = utcnow() - timedelta(seconds=late)
    queue.queue.enqueue_at(due, "portal.jobs.sync_jobs.run_sync", 0, job_id=f"probe-{late}")
    assert job_lost(f"probe-{late}") is lost


def _failing_job() -> None:
    raise RuntimeError("Avantage is away: the queue retries")


def test_a_retry_being_scheduled_is_not_lost(app, rq, monkeypatch):
    """RQ marks a failed job SCHEDULED at once, then adds it to the scheduled registry in a
    pipeline it executes a little later: a reaper asking in between must not call it lost
    (it did, and made the batch Interrompu while its retry was about to be held)."""
    seen = []
    schedule_job = Queue.schedule_job

    def asked_in_between(self, job, *args, **kwargs):
        seen.append((job.get_status(refresh=True), job_lost(job.id)))
        return schedule_job(self, job, *args, **kwargs)

    monkeypatch.setattr(Queue, "schedule_job", asked_in_between)
    job = queue.queue.enqueue(_failing_job, job_id="probe-retrying", retry=Retry(1, 60))
    SimpleWorker([queue.queue], connection=queue.connection).work(burst=True)
    assert seen == [(JobStatus.SCHEDULED, False)]
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED and not job_lost(job.id)


@pytest.mark.parametrize(("beat", "lost"), [(1, False), (SCHEDULER_LATENESS_SECONDS + 5, True)])
def test_a_retry_left_half_scheduled_is_lost_once_its_worker_is_silent(app, rq, beat, lost):
    """Redis gone between the two writes (restarted from a snapshot of that moment): the job
    says SCHEDULED and no registry holds it. Its worker's last beat tells the two apart."""
    app.config["RUN_STALE_SECONDS"] = 1
    job = queue.queue.enqueue(_failing_job, job_id=f"probe-half-{beat}")
    job.set_status(JobStatus.SCHEDULED)
    queue.connection.hset(job.key, "last_heartbeat", utcformat(utcnow() - timedelta(seconds=beat)))
    assert job_lost(job.id) is lost
