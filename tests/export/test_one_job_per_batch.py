"""One job sends a batch, whatever else the queue holds for it.

Two Reprendre clicks at the same instant queue one run; a job of an earlier run (RQ's own
retry, left behind when Reprendre queued a new run) does nothing; a job finding the batch
held by a live lease does nothing until that lease expires; and a run that finds Avantage
already committed the batch (CONFLICT) records that as the success it is. The last test
plays the field report end to end with two real worker.py processes: whichever guard stops
the retry there, the batch is sent, committed and recorded once.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from portal import jobs
from portal.avantage import BatchResult
from portal.extensions import db, queue
from portal.jobs import export_jobs
from portal.models import AuditEvent, BatchStatus, ExportBatch, Timesheet, TimesheetStatus
from portal.models.base import utcnow
from portal.services import export_run
from portal.services.leases import Lease
from tests.export.test_exactly_once import _create, _reload
from tests.fixtures.export_world import entries
from tests.fixtures.queue import work
from tests.sync.test_worker_process import _kill_with_children, _start_worker, _wait_for
from tests.timesheets.concurrency import WON, race

HTMX = {"HX-Request": "true"}


def _sheets(world) -> list[Timesheet]:
    return [
        world.sheet(world.employees["1002"], hours=("8", "7", "6")),
        world.sheet(world.employees["1003"], hours=("8", "8")),
    ]


def _set(batch: ExportBatch, **values) -> ExportBatch:
    """Move the batch with a direct UPDATE (as a run, or a page that saw it so, left it)."""
    db.session.execute(sa.update(ExportBatch).where(ExportBatch.id == batch.id).values(**values))
    db.session.commit()
    return _reload(batch)


def _interrupted(world, sheets, *, committed: bool = False) -> ExportBatch:
    """A batch whose first run began it in Avantage (and, if ``committed``, committed it
    there) and then died: the page offers Reprendre."""
    batch = _create(world, sheets)
    with world.simulator.client() as avantage:
        avantage.begin_batch(batch.batch_key)
        if committed:
            avantage.add_lines(batch.batch_key, [line.payload for line in batch.lines])
            avantage.commit_batch(batch.batch_key)
    return _set(batch, status=BatchStatus.INTERRUPTED, begun_at=utcnow(), attempts=1)


def _nothing_sent(world, batch: ExportBatch) -> None:
    assert world.simulator.server.state.batches[batch.batch_key].lines == {}
    assert entries(world.simulator) == []


def _sent_once(world, batch: ExportBatch, sheets: list[Timesheet]) -> None:
    """Committed and recorded once: each line once in Avantage, each sheet frozen and free."""
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert batch.error is None and batch.lease_owner is None
    posted = entries(world.simulator)
    assert {entry["batch"] for entry in posted} == {batch.avantage_batch}
    assert sorted(entry["line"] for entry in posted) == [line.line_no for line in batch.lines]
    assert len(posted) == batch.line_count == batch.accepted
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("export.committed") == 1
    frozen = db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.action == "timesheet.freeze")
    ).all()
    assert sorted(frozen) == sorted(sheet.id for sheet in sheets)
    for sheet in sheets:
        sheet = db.session.get(Timesheet, sheet.id)
        assert sheet.status == TimesheetStatus.FROZEN and sheet.export_lock_id is None


def test_two_reprendre_at_once_queue_one_run(app, world, rq, monkeypatch):
    sheets = _sheets(world)
    batch = _interrupted(world, sheets)
    queued, real_enqueue = [], export_jobs.enqueue

    def enqueue(function, args, job_id, description):
        queued.append(job_id)
        real_enqueue(function, args, job_id, description)

    monkeypatch.setattr(export_jobs, "enqueue", enqueue)

    def click():  # each side loads its own copy, in its own session, before the barrier
        mine = db.session.get(ExportBatch, batch.id)
        assert mine.status == BatchStatus.INTERRUPTED
        return lambda: jobs.start_export(mine)

    assert race(app, [click, click]) == [WON, WON]
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.attempts == 2
    assert queued == [jobs.export_job_id(batch)]  # the other click found it queued
    assert queue.queue.job_ids == [f"export-batch-{batch.id}-2"]
    work()
    _sent_once(world, batch, sheets)


def test_a_job_of_an_earlier_run_does_nothing(world, rq):
    """RQ's retry of run 1 still runs ``run_export(id, 1)`` after Reprendre queued run 2."""
    sheets = _sheets(world)
    batch = _interrupted(world, sheets)
    jobs.start_export(batch)
    assert _reload(batch).attempts == 2
    jobs.run_export(batch.id, 1)
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.attempts == 2
    assert batch.lease_owner is None and batch.started_at is None
    _nothing_sent(world, batch)
    jobs.run_export(batch.id, 2)
    _sent_once(world, batch, sheets)


def test_a_second_job_cannot_take_a_held_batch(world, rq):
    sheets = _sheets(world)
    batch = _create(world, sheets)
    with world.simulator.client() as avantage:  # so that "nothing sent" can be read there
        avantage.begin_batch(batch.batch_key)
    jobs.start_export(batch)
    holder = Lease(ExportBatch, batch.id, "a", seconds=1)
    assert export_run.claim(holder, 1)  # a live job has it
    jobs.run_export(batch.id, 1)  # e.g. the same job started again by a second worker
    batch = _reload(batch)
    assert batch.status == BatchStatus.SENDING and batch.lease_owner == "a"
    _nothing_sent(world, batch)
    time.sleep(1.2)  # "a" stopped beating: its lease expires
    work()  # the queued job takes the batch over
    _sent_once(world, batch, sheets)
    assert not holder.renew()  # had "a" only been slow, it now learns to stop


def test_conflict_already_committed_on_resume_is_success(world, rq, monkeypatch):
    """Another run committed the batch between our GET_BATCH (open) and our ADD_LINES."""
    sheets = _sheets(world)
    batch = _interrupted(world, sheets, committed=True)
    number = world.simulator.server.state.batches[batch.batch_key].number
    real_state, calls = export_run.remote_state, []

    def remote_state(client, batch):
        calls.append(batch.id)
        if len(calls) == 1:  # what GET_BATCH said just before the other run's COMMIT
            return BatchResult(batch=number, state="open", received=0)
        return real_state(client, batch)

    monkeypatch.setattr(export_run, "remote_state", remote_state)
    jobs.start_export(batch)
    work()
    assert len(calls) == 2  # asked again after the CONFLICT
    _sent_once(world, batch, sheets)
    assert _reload(batch).avantage_batch == number


@pytest.mark.slow
def test_two_workers_an_rq_retry_and_reprendre_send_once(
    app, world, rq, monkeypatch, client, redis_url, tmp_path
):
    """The field report: RQ's own retry of a failed job ran a few seconds after the user
    clicked Reprendre, with two workers; the batch must still be sent and recorded once."""
    app.config.update(SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[2])
    monkeypatch.setattr(export_run, "CHUNK", 2)
    world.simulator.server.config.drop_after = 4  # login, GET, BEGIN, one chunk, then drop
    sheets = _sheets(world)
    batch = _create(world, sheets)
    jobs.start_export(batch)
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.error["retrying"]
    assert batch.begun_at is not None and batch.lines_sent == 2
    retry = Job.fetch(f"export-batch-{batch.id}-1", connection=queue.connection)
    assert retry.get_status() == JobStatus.SCHEDULED  # RQ will run attempt 1 again in 2 s
    _set(batch, status=BatchStatus.INTERRUPTED, due_at=None)  # as a page had left it
    world.simulator.server.config.drop_after = None
    world.simulator.server.config.latency_ms = 300  # run 2 likely still sends when 1 is due
    response = client.post(
        f"/feuilles-de-temps/exportation/lots/{batch.id}/reprendre", headers=HTMX
    )
    assert response.status_code == 200
    assert _reload(batch).attempts == 2
    workers = [_start_worker(app, redis_url, tmp_path) for _ in range(2)]
    holders = set()  # the lease owners seen while the workers run

    def seen(condition) -> bool:
        holders.add(_reload(batch).lease_owner)
        return condition()

    try:  # one worker's scheduler queues the retry once due; either worker may run it
        _wait_for(lambda: seen(lambda: retry.get_status(refresh=True) == JobStatus.FINISHED))
        world.simulator.server.config.latency_ms = 0
        _wait_for(lambda: seen(lambda: _reload(batch).status.final), timeout=60)
    finally:
        for worker in workers:
            _kill_with_children(worker.pid)
            worker.wait(timeout=10)
    _sent_once(world, batch, sheets)
    jobs_seen = {owner.rsplit(":", 1)[0] for owner in holders - {None}}
    assert jobs_seen <= {f"export-batch-{batch.id}-2"}  # the retry never held the batch
    assert _reload(batch).attempts == 2
    assert queue.queue.count == 0 and ScheduledJobRegistry(queue=queue.queue).count == 0
