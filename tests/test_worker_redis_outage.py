"""A real worker.py process through Redis outages: a real redis-server is SIGKILLed while the
worker is idle, then while it runs a job, and restarted empty on the same port each time. The
worker lives on, runs a sync queued afterwards, and runs delayed retries (its scheduler is back).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.job import JobStatus
from rq.scheduler import SCHEDULER_KEY_TEMPLATE

from portal import jobs
from portal.extensions import db, queue
from portal.models import RunStatus, SyncRun, SyncSection
from tests.fixtures.factories import connect_avantage

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: The longest any one step may take (a loaded 2-core CI machine included).
DEADLINE = 30.0
#: worker.py's line when it loses Redis: once per outage...
OUTAGE_LINE = "Redis is unreachable"
#: ...and not RQ's own line, which it writes on every reconnection attempt.
ATTEMPT_LINE = "could not connect to Redis instance"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


def _exited(pid: int) -> bool:
    """True once ``pid`` is gone or a zombie (a dead child its parent has not reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in {"Z", "X"}


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


class RedisServer:
    """A redis-server subprocess on a port of its own, to kill and restart at will: empty, or
    with what it held at its last SAVE when ``data`` names a folder for its RDB file."""

    def __init__(self, log: Path, data: Path | None = None) -> None:
        self.port = _free_port()
        assert self.port != 6379
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.data = data
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no"),
                    *(("--dir", str(self.data), "--dbfilename", "dump.rdb") if self.data else ()),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        probe = Redis(port=self.port, socket_connect_timeout=1, retry=None)
        _wait_for(lambda: self._answers(probe), "redis-server answers PING")
        probe.close()

    def _answers(self, probe: Redis) -> bool:
        assert self.process is not None and self.process.poll() is None, "redis-server exited"
        try:
            return probe.ping()
        except RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=3, socket_timeout=10)


class WorkerProcess:
    """worker.py, as production starts it, with its output in a log file."""

    def __init__(self, app, redis_url: str, folder: Path) -> None:
        self.log = folder / "worker.log"
        env = dict(
            os.environ,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=redis_url,
            RQ_QUEUE=app.config["RQ_QUEUE"],
            SECRET_KEY=app.config["SECRET_KEY"],
            PORTAL_INSTANCE_PATH=str(folder),
            ALLOW_PRIVATE_ENDPOINTS="1",
        )
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def assert_alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"worker.py exited (rc {code}):\n{self.output()[-4000:]}"

    def kill(self) -> None:
        """SIGKILL the worker, its scheduler and its work horse (in a process group of its own)."""
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def worker(app, redis_server, tmp_path) -> Iterator[WorkerProcess]:
    folder = tmp_path / "worker"
    folder.mkdir()
    process = WorkerProcess(app, redis_server.url, folder)
    try:
        yield process
    finally:
        process.kill()


def _live_schedulers(client: Redis) -> list[int]:
    """Pids of the RQ schedulers registered in Redis whose process is running."""
    pids = [client.hget(key, "pid") for key in client.scan_iter(SCHEDULER_KEY_TEMPLATE % "*")]
    return [int(pid) for pid in pids if pid and not _exited(int(pid))]


def _wait_until_serving(client: Redis, worker: WorkerProcess) -> list[int]:
    """Wait for the worker to be registered and its scheduler to run; the scheduler pids."""

    def serving() -> bool:
        worker.assert_alive()
        return bool(Worker.all(connection=client)) and bool(_live_schedulers(client))

    _wait_for(serving, "the worker is registered and its scheduler runs")
    return _live_schedulers(client)


def _assert_delayed_retry_runs(client: Redis, queue_name: str, folder: Path) -> None:
    """A job failing once, retried after 1 s: only the scheduler puts it back in the queue."""
    folder.mkdir()
    job = Queue(queue_name, connection=client).enqueue(
        "tests.worker_jobs.fail_once", str(folder), retry=Retry(max=1, interval=[1])
    )
    _wait_for(
        lambda: job.get_status(refresh=True) == JobStatus.FINISHED,
        "the delayed retry ran and succeeded",
    )
    assert (folder / "attempts").read_text() == "2"


def _run_status(run_id: int) -> RunStatus:
    db.session.expire_all()
    return db.session.get(SyncRun, run_id).status


def test_worker_survives_redis_outages_idle_and_busy(
    app, redis_server, worker, make_user, make_simulator, monkeypatch, tmp_path
):
    client = redis_server.client()
    queue_name = app.config["RQ_QUEUE"]
    monkeypatch.setattr(queue, "_connection", client)  # the portal queues on this server
    superadmin = make_user("superadmin", employee_number="9001")
    integration = connect_avantage(superadmin, make_simulator(employees=20))

    # 1. Redis dies while the worker waits for work; its scheduler dies with the connection.
    (scheduler,) = _wait_until_serving(client, worker)
    redis_server.kill()
    _wait_for(lambda: _exited(scheduler), "the scheduler met the outage")
    redis_server.start()
    worker.assert_alive()
    _wait_until_serving(client, worker)
    _assert_delayed_retry_runs(client, queue_name, tmp_path / "retry-after-idle-outage")

    # 2. Redis dies while a job runs, and stays down until the job is over.
    held = tmp_path / "held"
    held.mkdir()
    Queue(queue_name, connection=client).enqueue("tests.worker_jobs.hold", str(held))
    _wait_for(lambda: (held / "started").exists(), "the held job started")
    redis_server.kill()
    (held / "release").touch()
    _wait_for(lambda: (held / "finished").exists(), "the held job finished")
    _wait_for(
        lambda: worker.process.poll() is not None or worker.output().count(OUTAGE_LINE) == 2,
        "the worker met the second outage",
    )
    redis_server.start()
    worker.assert_alive()

    # 3. Work queued after the restart is done: a sync run, and a delayed retry.
    run = jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin)
    _wait_for(lambda: not _run_status(run.id).active, "the sync run ended")
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.total, run.done) == (20, 20)
    _assert_delayed_retry_runs(client, queue_name, tmp_path / "retry-after-busy-outage")

    worker.assert_alive()
    output = worker.output()
    assert output.count(OUTAGE_LINE) == 2, output[-4000:]
    assert ATTEMPT_LINE not in output
