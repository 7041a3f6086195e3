"""Runs as RQ jobs on a real Redis: one run per section, cancel, retries, failures, dead
workers, an unreachable queue, and nothing secret in Redis."""

from __future__ import annotations

import html
import time

import pytest
from rq.registry import ScheduledJobRegistry

from portal import jobs
from portal.extensions import db, queue
from portal.models import RunStatus, SyncRun, SyncSection, User
from portal.models.base import utcnow
from portal.services import runs
from tests.fixtures.queue import BackgroundWorker, work

EMPLOYEES = SyncSection.EMPLOYEES


def test_double_click_and_second_tab_join_the_same_run(connect, rq, superadmin, make_simulator):
    integration = connect(make_simulator(employees=10))
    first = jobs.start_sync(integration, EMPLOYEES, superadmin)
    second = jobs.start_sync(integration, EMPLOYEES, superadmin, full=True)
    assert second.id == first.id
    assert queue.queue.count == 1
    assert queue.queue.job_ids == [jobs.sync_job_id(first)]
    work()
    db.session.expire_all()
    assert db.session.get(SyncRun, first.id).status == RunStatus.SUCCEEDED
    third = jobs.start_sync(integration, EMPLOYEES, superadmin)
    assert third.id != first.id  # once over, a click starts a new run


def test_job_arguments_are_ids_and_redis_holds_no_secret(connect, rq, superadmin, make_simulator):
    simulator = make_simulator(employees=5)
    run = jobs.start_sync(connect(simulator), EMPLOYEES, superadmin)
    job = queue.queue.fetch_job(jobs.sync_job_id(run))
    assert job.args == (run.id,) and job.kwargs == {}
    work()
    dump = b"".join(_dump(key) for key in queue.connection.keys("*"))
    assert simulator.password.encode() not in dump
    assert simulator.key.encode() not in dump


def _dump(key: bytes) -> bytes:
    kind = queue.connection.type(key)
    if kind == b"string":
        return queue.connection.get(key) or b""
    if kind == b"hash":
        return b"".join(k + v for k, v in queue.connection.hgetall(key).items())
    if kind == b"list":
        return b"".join(queue.connection.lrange(key, 0, -1))
    if kind == b"zset":
        return b"".join(queue.connection.zrange(key, 0, -1))
    if kind == b"set":
        return b"".join(queue.connection.smembers(key))
    return b""


def test_cancel_stops_between_pages_and_keeps_what_was_committed(
    app, connect, rq, superadmin, make_simulator
):
    app.config["SYNC_PAGE_SIZE"] = 20
    integration = connect(make_simulator(employees=400, latency_ms=40))
    run = jobs.start_sync(integration, EMPLOYEES, superadmin)
    with BackgroundWorker():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(SyncRun, run.id).done >= 40:
                break
            time.sleep(0.05)
        jobs.cancel_sync(db.session.get(SyncRun, run.id), superadmin)
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.CANCELLED and not run.active
    assert 40 <= run.done < 400
    created = db.session.scalar(db.select(db.func.count(User.id))) - 1
    assert created == run.created  # what was committed is whole pages, counted


def test_cancel_a_queued_run_drops_its_job(connect, rq, superadmin, make_simulator):
    run = jobs.start_sync(connect(make_simulator(employees=5)), EMPLOYEES, superadmin)
    jobs.cancel_sync(run, superadmin)
    work()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.CANCELLED and run.done == 0


def test_a_dropped_connection_is_resumed_by_the_client(app, connect, sync_now, make_simulator):
    app.config["SYNC_PAGE_SIZE"] = 10
    simulator = make_simulator(employees=60, drop_after=3)  # login + 2 pages per connection
    run = sync_now(connect(simulator), EMPLOYEES)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.done, run.attempts) == (60, 1)
    assert db.session.scalar(db.select(db.func.count(User.id))) - 1 == run.created


def test_rq_retries_a_transient_failure_and_the_run_converges(
    app, connect, rq, superadmin, make_simulator
):
    """The client gives up (no retries of its own here); RQ retries the job later."""
    app.config.update(SYNC_PAGE_SIZE=10, SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[1])
    simulator = make_simulator(employees=60, drop_after=4)
    run = jobs.start_sync(connect(simulator), EMPLOYEES, superadmin)
    work()  # attempt 1: three pages, then the connection drops
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.QUEUED and run.error["retrying"]
    assert run.done == 30 and run.created > 0
    simulator.server.config.drop_after = None  # the network is back
    _enqueue_due_retries()
    work()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.SUCCEEDED and run.attempts == 2
    assert run.done == 60 and run.error is None
    users = db.session.scalar(db.select(db.func.count(User.id))) - 1
    assert users == run.created  # created once, counted once, across both attempts
    assert run.created + run.linked + run.updated + run.unchanged == 60


def _enqueue_due_retries() -> None:
    """Do what the worker's scheduler does once the retry interval is over."""
    registry = ScheduledJobRegistry(queue=queue.queue)
    time.sleep(1.1)
    for job_id in registry.get_job_ids():
        registry.remove(job_id)
        queue.queue.enqueue_job(queue.queue.fetch_job(job_id))


def test_a_run_that_keeps_failing_ends_failed_with_the_typed_message(
    app, connect, rq, superadmin, make_simulator
):
    simulator = make_simulator(employees=5, max_sessions=0)  # always BUSY
    app.config["SYNC_CLIENT_RETRIES"] = 1
    run = jobs.start_sync(connect(simulator), EMPLOYEES, superadmin)
    work()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.FAILED and not run.active
    assert run.error["type"] == "ServerBusyError"
    assert "occupé" in run.error["message_fr"]
    assert run.attempts == 0  # never got past the greeting; 1 try + 3 RQ retries


def test_a_wrong_password_fails_at_once(connect, rq, superadmin, make_simulator, sync_now, client):
    simulator = make_simulator(employees=5)
    simulator.password = "pas-le-bon"
    run = sync_now(connect(simulator), EMPLOYEES)
    assert run.status == RunStatus.FAILED
    assert run.error["type"] == "AuthenticationError"
    history = html.unescape(
        client.get(
            f"/parametres/integrations/{run.integration_id}/synchro/employes/historique"
        ).text
    )
    assert "Échouée" in history and run.error["message_fr"] in history


def test_a_silent_running_run_is_marked_abandoned(
    app, connect, rq, superadmin, make_simulator, client
):
    integration = connect(make_simulator(employees=5))
    run = jobs.start_sync(integration, EMPLOYEES, superadmin)
    run.status = RunStatus.RUNNING
    run.heartbeat_at = utcnow()
    db.session.commit()
    app.config["RUN_STALE_SECONDS"] = 0.2
    time.sleep(0.3)
    response = client.get(f"/synchro/executions/{run.id}?poll=1", headers={"HX-Request": "1"})
    assert response.status_code == 286
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.ABANDONED and not run.active
    assert "s'est arrêté" in html.unescape(response.text)
    assert jobs.start_sync(integration, EMPLOYEES, superadmin).id != run.id


def test_a_queued_run_whose_job_vanished_is_abandoned(connect, rq, superadmin, make_simulator):
    run = jobs.start_sync(connect(make_simulator(employees=5)), EMPLOYEES, superadmin)
    queue.connection.flushdb()  # Redis restarted without persistence
    jobs.refresh(run)
    assert run.status == RunStatus.ABANDONED and run.error["type"] == "lost"


def test_a_run_waiting_for_a_retry_the_queue_lost_is_abandoned(
    app, connect, rq, superadmin, make_simulator
):
    """Redis restarted without its data while the run waited for RQ's delayed retry."""
    app.config.update(SYNC_PAGE_SIZE=10, SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[30])
    run = jobs.start_sync(
        connect(make_simulator(employees=60, drop_after=4)), EMPLOYEES, superadmin
    )
    work()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.QUEUED and run.error["retrying"]
    jobs.refresh(run)
    assert run.status == RunStatus.QUEUED  # the retry is scheduled: it has an owner
    queue.connection.flushdb()
    jobs.refresh(run)
    assert run.status == RunStatus.ABANDONED and run.error["type"] == "lost"
    assert runs.active_run(run.integration, EMPLOYEES) is None  # Synchroniser works again


def test_unreachable_redis_gives_a_clear_message_and_no_stuck_run(
    app, connect, superadmin, make_simulator, client
):
    integration = connect(make_simulator(employees=5))
    from redis import Redis

    queue._connection = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    response = client.post(
        f"/parametres/integrations/{integration.id}/synchro/employes",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Redis" in response.text and "injoignable" in response.text
    run = db.session.scalar(db.select(SyncRun))
    assert run.status == RunStatus.FAILED and not run.active
    assert runs.active_run(integration, EMPLOYEES) is None


@pytest.mark.parametrize("status", [RunStatus.SUCCEEDED, RunStatus.CANCELLED])
def test_a_job_for_an_ended_run_does_nothing(connect, rq, superadmin, make_simulator, status):
    run = jobs.start_sync(connect(make_simulator(employees=5)), EMPLOYEES, superadmin)
    run.status, run.active = status, False
    db.session.commit()
    work()
    db.session.expire_all()
    assert db.session.get(SyncRun, run.id).done == 0
