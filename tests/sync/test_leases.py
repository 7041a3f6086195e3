"""Leases on runs: one job at a time, renewed by a heartbeat, taken over only once expired,
and the reaper's moves conditional on the lease (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from portal import jobs
from portal.extensions import db
from portal.jobs.heartbeat import Heartbeat
from portal.models import RunStatus, SyncRun, SyncSection
from portal.models.base import utcnow
from portal.services import runs
from portal.services.leases import Lease, LeaseLostError
from tests.fixtures.statements import counted


@pytest.fixture
def queued_run(connect, rq, superadmin, make_simulator) -> SyncRun:
    integration = connect(make_simulator(employees=5))
    return jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin)


def _fresh(run_id: int) -> SyncRun:
    db.session.expire_all()
    return db.session.get(SyncRun, run_id)


def test_of_two_jobs_taking_a_run_at_once_one_wins(app, queued_run):
    barrier, won = threading.Barrier(2), []

    def take(owner: str) -> None:
        with app.app_context():
            barrier.wait()
            if runs.claim(Lease(SyncRun, queued_run.id, owner, 60)):
                won.append(owner)
            db.session.remove()

    threads = [threading.Thread(target=take, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(won) == 1
    run = _fresh(queued_run.id)
    assert run.status == RunStatus.RUNNING and run.lease_owner == won[0]


def test_a_held_lease_is_renewed_only_by_its_owner_and_taken_once_expired(queued_run):
    first = Lease(SyncRun, queued_run.id, "first", 0.3)
    assert runs.claim(first)
    second = Lease(SyncRun, queued_run.id, "second", 60)
    assert not runs.claim(second)  # valid: nobody else takes it
    assert first.renew()
    time.sleep(0.4)
    assert runs.claim(second)  # expired: the killed job's run is taken over
    assert not first.renew() and first.lost.is_set()
    with pytest.raises(LeaseLostError):
        first.check()
    run = _fresh(queued_run.id)
    with pytest.raises(LeaseLostError):
        runs.finish(run, first)  # the presumed-dead job cannot end it
    db.session.rollback()
    runs.finish(_fresh(queued_run.id), second)
    db.session.commit()
    run = _fresh(queued_run.id)
    assert run.status == RunStatus.SUCCEEDED and run.lease_owner is None


def test_the_heartbeat_keeps_a_lease_alive_past_its_length(app, queued_run):
    lease = Lease(SyncRun, queued_run.id, "beating", 0.5)
    assert runs.claim(lease)
    with Heartbeat(app, lease, 0.1):
        time.sleep(1.2)  # more than twice the lease's length
        assert runs.abandon_stale_runs(None, utcnow()) == 0
        db.session.commit()
    assert not lease.lost.is_set()
    assert _fresh(queued_run.id).status == RunStatus.RUNNING
    time.sleep(0.6)  # no heartbeat any more: the reaper ends it
    assert runs.abandon_stale_runs(None, utcnow()) == 1
    db.session.commit()
    run = _fresh(queued_run.id)
    assert run.status == RunStatus.ABANDONED and run.error["type"] == "abandoned"


def test_the_reaper_leaves_a_run_whose_job_is_queued(queued_run):
    later = utcnow() + timedelta(seconds=current_app.config["RUN_STALE_SECONDS"] + 60)
    assert jobs.reap(later) == 0
    assert _fresh(queued_run.id).status == RunStatus.QUEUED


def test_the_reaper_abandons_a_queued_run_the_queue_lost(queued_run, rq):
    rq.connection.flushdb()  # Redis restarted without its data
    assert jobs.reap(utcnow() + timedelta(seconds=30)) == 1
    run = _fresh(queued_run.id)
    assert run.status == RunStatus.ABANDONED and run.error["type"] == "lost"
    assert not run.active


def test_a_run_whose_job_went_silent_says_what_will_happen(client, queued_run):
    """A killed worker's run, before the reaper moves it: the page says so, and when."""
    lease = Lease(SyncRun, queued_run.id, "killed", 60)
    assert runs.claim(lease)
    progress = f"/synchro/executions/{queued_run.id}"
    assert 'data-running="silent"' not in client.get(progress).text
    db.session.execute(
        sa.update(SyncRun)
        .where(SyncRun.id == queued_run.id)
        .values(heartbeat_at=utcnow() - timedelta(seconds=20))
    )
    db.session.commit()
    page = client.get(progress).text
    assert 'data-running="silent"' in page
    assert "ne donne plus de nouvelles depuis 20 s" in page
    assert "worker.py" not in page


def test_a_poll_of_a_healthy_run_writes_and_commits_nothing(client, queued_run):
    """Polled twice a second by every open page: it reads the signed-in user and the run,
    whose live lease tells that the reaper has nothing to do; it commits nothing."""
    assert runs.claim(Lease(SyncRun, queued_run.id, "alive", 60))
    poll = f"/synchro/executions/{queued_run.id}?poll=1"
    commits = []

    def commit(conn):
        commits.append(conn)

    sa.event.listen(db.engine, "commit", commit)
    try:
        with counted() as statements:
            response = client.get(poll)
    finally:
        sa.event.remove(db.engine, "commit", commit)
    sent = [" ".join(text.split())[:40] for text in statements]
    assert response.status_code == 200
    assert commits == []
    assert not [text for text in sent if text.startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(sent) <= 2, sent  # the signed-in user and the run, whose lease says it lives
