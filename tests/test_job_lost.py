"""A scheduled retry the workers' scheduler has not moved to the queue yet is not lost until
it is clearly overdue, however short the stale limit of leases (the tests use 1 s)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import queue
from portal.jobs.queueing import SCHEDULER_LATENESS_SECONDS, job_lost
from portal.models.base import utcnow


@pytest.mark.parametrize(("late", "lost"), [(2, False), (SCHEDULER_LATENESS_SECONDS + 5, True)])
def test_an_overdue_retry_is_lost_only_past_the_schedulers_lateness(app, rq, late, lost):
    app.config["RUN_STALE_SECONDS"] = 1
    due = utcnow() - timedelta(seconds=late)
    queue.queue.enqueue_at(due, "portal.jobs.sync_jobs.run_sync", 0, job_id=f"probe-{late}")
    assert job_lost(f"probe-{late}") is lost
