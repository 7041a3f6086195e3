"""A real worker.py process killed in the middle of a sync: the run is detected as abandoned,
and running the sync again converges to the state a clean run gives."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from portal import jobs
from portal.extensions import db
from portal.models import RecordLink, RunStatus, SyncRun, SyncSection, User
from tests.fixtures.queue import work

ROOT = Path(__file__).resolve().parents[2]
#: The worker's lease on a run lasts this long without a heartbeat (one every 0.2 s).
WORKER_STALE_SECONDS = 1.0


def _start_worker(app, redis_url: str, tmp_path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        SECRET_KEY=app.config["SECRET_KEY"],
        PORTAL_INSTANCE_PATH=str(tmp_path),
        ALLOW_PRIVATE_ENDPOINTS="1",
        RUN_STALE_SECONDS=str(WORKER_STALE_SECONDS),
        HEARTBEAT_SECONDS="0.2",
    )
    return subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _kill_with_children(pid: int) -> None:
    """SIGKILL a worker and its work horse (RQ puts the horse in a session of its own).

    A child may end between the listing and its kill: that must not stop the worker's own
    kill (it did, and the worker left alive took the jobs of the tests after it)."""
    for target in (*_children(pid), pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_killed_worker_leaves_an_abandoned_run_and_a_rerun_converges(
    app, rq, redis_url, connect, superadmin, make_simulator, tmp_path
):
    simulator = make_simulator(employees=3000, latency_ms=300)
    integration = connect(simulator)
    run = jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin)
    worker = _start_worker(app, redis_url, tmp_path)
    try:
        _wait_for(lambda: db.session.get(SyncRun, run.id).done > 0)
    finally:
        _kill_with_children(worker.pid)  # the worker and its work horse, mid-run
        worker.wait(timeout=10)
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.RUNNING and 0 < run.done < 3000

    time.sleep(WORKER_STALE_SECONDS + 0.2)  # the killed worker's lease expires
    jobs.refresh(run)
    assert run.status == RunStatus.ABANDONED and not run.active

    simulator.server.config.latency_ms = 0
    again = jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin)
    work()
    db.session.expire_all()
    again = db.session.get(SyncRun, again.id)
    assert again.status == RunStatus.SUCCEEDED and again.done == 3000
    links = db.session.scalar(db.select(db.func.count(RecordLink.id)))
    users = db.session.scalar(db.select(db.func.count(User.id))) - 1  # the Superadmin
    inactive = sum(
        1 for record in simulator.server.dataset.tables["employees"] if not record["active"]
    )
    assert links == users == 3000 - inactive
    assert again.created + run.created == users
