"""Redis restarted while a batch waits for the queue's delayed retry, with real processes: a
redis-server of the test's own, a worker.py (scheduler and reaper), the simulator.

With its data kept, the retry still runs and sends the batch; with its data lost, the worker's
reaper finds the batch's job gone and makes it Interrompu by itself, and Reprendre sends it.
Either way every line reaches Avantage once and no sheet stays locked.
"""

from __future__ import annotations

import pytest
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from portal import jobs
from portal.extensions import db, queue
from portal.jobs.queueing import export_job_id
from portal.models import BatchStatus, ExportBatch, Timesheet, TimesheetStatus
from tests import test_recovery_processes as recovery
from tests.export.test_exactly_once import _create, _reload
from tests.fixtures.export_world import entries
from tests.test_worker_redis_outage import RedisServer, WorkerProcess, _wait_for

#: Simulators on a fixed port with their state in a file.
make_simulator = recovery.make_simulator

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_server(tmp_path):
    data = tmp_path / "redis-data"
    data.mkdir()
    server = RedisServer(tmp_path / "redis.log", data)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def worker(app, redis_server, tmp_path, monkeypatch):
    """worker.py whose reaper passes often, on the test's Redis (the portal queues there too)."""
    monkeypatch.setenv("REAPER_SECONDS", "0.3")
    monkeypatch.setenv("RUN_STALE_SECONDS", "10")  # a retry overdue by the reconnection is not lost
    monkeypatch.setenv("HEARTBEAT_SECONDS", "0.2")
    monkeypatch.setattr(queue, "_connection", redis_server.client())
    folder = tmp_path / "worker"
    folder.mkdir()
    process = WorkerProcess(app, redis_server.url, folder)
    try:
        yield process
    finally:
        process.kill()


def _retry_held(batch: ExportBatch) -> bool:
    """The queue holds the batch's delayed retry. The job marks the batch "retrying" first and
    RQ schedules the retry after it returns: a Redis saved in between has no retry to keep."""
    batch = _reload(batch)
    if not (batch.error or {}).get("retrying"):
        return False
    job = Job.fetch(export_job_id(batch), connection=queue.connection)
    registry = ScheduledJobRegistry(queue=queue.queue)
    return job.get_status(refresh=True) == JobStatus.SCHEDULED and job.id in registry


def _status(batch: ExportBatch) -> BatchStatus:
    db.session.expire_all()
    return db.session.get(ExportBatch, batch.id).status


@pytest.mark.parametrize("redis", ["data kept", "data lost"])
def test_redis_restarted_during_a_delayed_retry(app, world, redis_server, worker, redis):
    app.config["AVANTAGE_RETRY_INTERVALS"] = [6]
    # MainTCP goes away once the batch is begun (login, get, begin: 3 frames) and stays away,
    # reconnections included: the queue schedules a retry. (A slow server stopped "right after
    # the begin" raced the send itself: on a loaded machine the batch was sometimes committed.)
    world.simulator.server.config.frame_budget = 3
    sheet = world.sheet(world.employees["1002"], hours=("8", "8", "8", "8"))
    batch = _create(world, [sheet])
    jobs.start_export(batch)
    _wait_for(lambda: _retry_held(batch), "the queue holds the retry")
    world.simulator.server.config.frame_budget = None
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.begun_at is not None

    client = redis_server.client()
    if redis == "data kept":
        client.save()  # Redis restarts from its RDB file: the scheduled retry is still there
    redis_server.kill()
    redis_server.start()
    worker.assert_alive()

    if redis == "data lost":
        _wait_for(lambda: _status(batch) == BatchStatus.INTERRUPTED, "the reaper freed it")
        batch = _reload(batch)
        assert batch.error["type"] == "lost" and "Reprendre" in batch.error["fix_fr"]
        assert db.session.get(Timesheet, sheet.id).export_lock_id == batch.id  # for the resume
        jobs.start_export(batch)  # Reprendre
    _wait_for(lambda: _status(batch).final, "the batch was sent")
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert sorted(entry["line"] for entry in entries(world.simulator)) == [1, 2, 3, 4]
    sheet = db.session.get(Timesheet, sheet.id)
    assert sheet.status == TimesheetStatus.FROZEN and sheet.export_lock_id is None
    worker.assert_alive()
