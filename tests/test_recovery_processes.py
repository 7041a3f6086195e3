"""Recovery with real processes: a worker.py subprocess, a MainTCP simulator that goes away
and comes back on the same port with the same state, and nobody clicking anything.

It proves that an Avantage down for 3 s is retried by the queue (the page counts down) and
the export sends each line once, the sync succeeds; that a slow but healthy Avantage (each
answer slower than the stale limit) is never declared stale, the heartbeat thread renewing
the lease; that a worker killed with SIGKILL leaves a batch the reaper of another worker
moves on by itself (Interrompu then resumed once, or Échoué with its sheets freed); and that
a run no worker picks up says why, without naming worker.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from rq import Worker

from portal import jobs
from portal.avantage.simulator import SimulatorServer
from portal.extensions import db, queue
from portal.models import (
    BatchStatus,
    RecordLink,
    RunStatus,
    SyncRun,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    User,
)
from tests.export.test_exactly_once import _create, _reload
from tests.fixtures.export_world import MONDAY, entries
from tests.fixtures.factories import connect_avantage
from tests.sync.test_worker_process import ROOT, _kill_with_children, _wait_for

#: The lease the workers take lasts this long without a heartbeat (one every 0.2 s).
STALE_SECONDS = 1.0
RETRY_INTERVALS = [1, 2, 2, 4]
UNSETTLED = (BatchStatus.QUEUED, BatchStatus.SENDING)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_simulator(make_simulator, tmp_path):
    """This module's simulators listen on a fixed port and keep their batches in a file, so
    that one stopped can come back as the same MainTCP (``world`` gets one too)."""

    def start(**overrides):
        settings = {"port": _free_port(), "state_file": tmp_path / "avantage-state.json"}
        return make_simulator(**{**settings, **overrides})

    return start


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin", employee_number="9001"))


@pytest.fixture
def outage():
    """``back = outage(simulator)`` stops it; ``back()`` starts the same MainTCP again (same
    port, credentials and state file; ``changes``: other fault injection)."""
    restarted = []

    def stop(simulator):
        simulator.server.stop()

        def back(**changes):
            server = SimulatorServer(replace(simulator.server.config, **changes))
            server.start_in_thread()
            restarted.append(server)
            simulator.server = server

        return back

    yield stop
    for server in restarted:
        server.stop()


@pytest.fixture
def start_worker(app, rq, redis_url, tmp_path):
    """Start a real worker.py (killed at teardown if still alive); ``env`` adds settings.

    On an emptied Redis (``rq``): a worker SIGKILLed by an earlier test holds the scheduler
    lock for a minute, and delayed retries would wait for it."""
    started = []

    def start(**env) -> subprocess.Popen:
        settings = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PORTAL_INSTANCE_PATH": str(tmp_path),
            "ALLOW_PRIVATE_ENDPOINTS": "1",
            "RUN_STALE_SECONDS": str(STALE_SECONDS),
            "HEARTBEAT_SECONDS": "0.2",
            **env,
        }
        with open(tmp_path / f"worker-{len(started)}.log", "wb") as log:  # read on failure
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")],
                cwd=ROOT,
                env=settings,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        _kill_with_children(process.pid)
        process.wait(timeout=10)


def _sheets(world, weeks: int = 2) -> list[Timesheet]:
    return [
        world.sheet(world.employees[number], week=MONDAY - timedelta(weeks=w), hours=("8",) * 5)
        for number in ("1002", "1003")
        for w in range(weeks)
    ]


def _assert_sent_once(world, batch, sheets) -> None:
    """Every line of the batch in Avantage exactly once, the sheets frozen and unlocked."""
    assert batch.status == BatchStatus.COMMITTED, batch.error
    posted = entries(world.simulator)
    assert {entry["batch"] for entry in posted} == {batch.avantage_batch}
    assert sorted(entry["line"] for entry in posted) == list(range(1, batch.line_count + 1))
    for sheet in sheets:
        sheet = db.session.get(Timesheet, sheet.id)
        assert sheet.status == TimesheetStatus.FROZEN and sheet.export_lock_id is None


def _retrying(run: SyncRun) -> bool:
    return run.status == RunStatus.QUEUED and bool((run.error or {}).get("retrying"))


def _run(run) -> SyncRun:
    db.session.expire_all()
    return db.session.get(SyncRun, run.id)


@pytest.mark.slow
def test_maintcp_back_while_the_retry_waits_the_export_sends_once(
    app, world, rq, client, start_worker
):
    app.config["AVANTAGE_RETRY_INTERVALS"] = RETRY_INTERVALS  # fixed when the job is queued
    sheets = _sheets(world)
    batch = _create(world, sheets)
    # MainTCP goes away right after BEGIN (login, get, begin: 3 frames) and stays away,
    # reconnections included, until the page shows the retry's countdown. (Stopping a slow
    # server once the batch was begun raced the send itself, and a fixed 3 s outage was
    # shorter than the client's own reconnections on a loaded machine.)
    world.simulator.server.config.frame_budget = 3
    jobs.start_export(batch)
    start_worker()
    url = f"/feuilles-de-temps/exportation/lots/{batch.id}/progression"
    deadline, pages = time.monotonic() + 30, []
    while time.monotonic() < deadline:  # while Avantage is down
        pages.append(client.get(url).text)
        if 'data-queued="retrying"' in pages[-1] and "nouvelle tentative dans" in pages[-1]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no retry countdown shown; last page: {pages[-1]}")
    assert _reload(batch).begun_at is not None
    world.simulator.server.config.frame_budget = None  # back
    _wait_for(lambda: _reload(batch).status not in UNSETTLED, timeout=60)
    _assert_sent_once(world, _reload(batch), sheets)


@pytest.mark.slow
def test_maintcp_back_after_3_s_the_sync_retries_and_succeeds(
    app, rq, superadmin, make_simulator, start_worker, outage
):
    app.config["AVANTAGE_RETRY_INTERVALS"] = RETRY_INTERVALS
    simulator = make_simulator(employees=40)
    integration = connect_avantage(superadmin, simulator)
    back = outage(simulator)  # down before the run starts
    run = jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin)
    start_worker()
    _wait_for(lambda: _retrying(_run(run)))  # the worker failed and the queue will retry
    time.sleep(3)
    back()
    _wait_for(lambda: not _run(run).status.active, timeout=40)
    run = _run(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    inactive = sum(
        1 for record in simulator.server.dataset.tables["employees"] if not record["active"]
    )
    users = db.session.scalar(db.select(db.func.count(User.id))) - 1  # the Superadmin
    links = db.session.scalar(db.select(db.func.count(RecordLink.id)))
    assert run.done == 40 and run.created == users == links == 40 - inactive


@pytest.mark.slow
def test_a_slow_but_healthy_maintcp_is_not_declared_stale(
    rq, superadmin, make_simulator, start_worker
):
    simulator = make_simulator(employees=20, latency_ms=2500)  # each answer > the stale limit
    run = jobs.start_sync(
        connect_avantage(superadmin, simulator), SyncSection.EMPLOYEES, superadmin
    )
    start_worker(REAPER_SECONDS="0.3")
    seen, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs.reap()  # the test reaps too, as hard as it can
        seen.append(_run(run).status)
        if not seen[-1].active:
            break
        time.sleep(0.1)
    run = _run(run)
    assert run.status == RunStatus.SUCCEEDED, (run.error, set(seen))
    assert RunStatus.RUNNING in seen
    assert set(seen) <= {RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SUCCEEDED}
    assert run.duration > 2 * STALE_SECONDS  # it really was slower than the lease


@pytest.mark.slow
def test_the_reaper_frees_a_killed_workers_batch_without_a_click(world, rq, start_worker):
    sheets = _sheets(world)
    batch = _create(world, sheets)
    world.simulator.server.config.latency_ms = 1000
    jobs.start_export(batch)
    worker = start_worker()  # the reaper of this one would only pass in 15 s
    _wait_for(lambda: _reload(batch).begun_at is not None)
    _kill(worker)  # mid-send, after BEGIN
    assert _reload(batch).status == BatchStatus.SENDING
    start_worker(REAPER_SECONDS="0.3")
    _wait_for(lambda: _reload(batch).status == BatchStatus.INTERRUPTED, timeout=10)
    assert all(db.session.get(Timesheet, s.id).export_lock_id == batch.id for s in sheets)
    world.simulator.server.config.latency_ms = 0
    jobs.start_export(_reload(batch))  # Reprendre; the live worker sends it
    _wait_for(lambda: _reload(batch).status not in UNSETTLED, timeout=30)
    _assert_sent_once(world, _reload(batch), sheets)


def test_the_reaper_fails_a_killed_workers_never_begun_batch(world, rq, start_worker):
    sheets = _sheets(world, weeks=1)
    batch = _create(world, sheets)
    world.simulator.server.config.latency_ms = 30_000  # LOGIN never answers
    jobs.start_export(batch)
    worker = start_worker()
    _wait_for(lambda: _reload(batch).status == BatchStatus.SENDING)
    _kill(worker)  # before BEGIN: Avantage never saw the batch
    assert _reload(batch).begun_at is None
    start_worker(REAPER_SECONDS="0.3")
    _wait_for(lambda: _reload(batch).status == BatchStatus.FAILED, timeout=10)
    for sheet in sheets:
        sheet = db.session.get(Timesheet, sheet.id)
        assert sheet.status == TimesheetStatus.VALIDATED and sheet.export_lock_id is None
    world.simulator.server.config.latency_ms = 0
    assert entries(world.simulator) == []


def test_a_queued_job_no_worker_picks_up_says_so(app, rq, client, superadmin, simulator):
    run = jobs.start_sync(
        connect_avantage(superadmin, simulator), SyncSection.EMPLOYEES, superadmin
    )
    url = f"/synchro/executions/{run.id}"

    def shown() -> str:
        page = client.get(url).text
        assert "worker.py" not in page
        return page

    app.config["WORKER_PICKUP_SECONDS"] = 0
    assert 'data-queued="no-worker"' in shown()
    worker = Worker([queue.queue], connection=queue.connection)
    worker.register_birth()
    try:
        assert 'data-queued="busy"' in shown()
    finally:
        worker.register_death()
    assert 'data-queued="no-worker"' in shown()
    app.config["WORKER_PICKUP_SECONDS"] = 60
    assert 'data-queued="waiting"' in shown()
    assert _run(run).status == RunStatus.QUEUED


def test_a_worker_is_forgotten_soon_after_it_stops_beating(rq, start_worker):
    """Its registration lasts WORKER_TTL + 60 s, renewed by each heartbeat: a SIGKILLed
    worker stops counting as one that will pick a job up within 90 s (RQ's default: 8 min)."""
    from worker import WORKER_TTL

    start_worker()
    _wait_for(lambda: Worker.count(connection=queue.connection) == 1)
    (registered,) = Worker.all(connection=queue.connection)
    assert 0 < queue.connection.ttl(registered.key) <= WORKER_TTL + 60 <= 90
