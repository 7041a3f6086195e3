"""Exactly once: whatever point a run dies at, running again never doubles a line."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from portal import jobs
from portal.extensions import db, queue
from portal.models import BatchStatus, ExportBatch, Timesheet, TimesheetStatus
from portal.models.base import utcnow
from portal.services import export_batch, export_run
from tests.fixtures.export_world import MONDAY, entries
from tests.fixtures.queue import work
from tests.sync.test_jobs import _enqueue_due_retries
from tests.sync.test_worker_process import (
    WORKER_STALE_SECONDS,
    _kill_with_children,
    _start_worker,
    _wait_for,
)


def _create(world, sheets) -> ExportBatch:
    batch, _ = export_batch.create_batch(
        world.admin.company_id, world.admin, world.integration, sheets, confirm_resend=False
    )
    db.session.commit()
    return batch


def _reload(batch) -> ExportBatch:
    db.session.expire_all()
    return db.session.get(ExportBatch, batch.id)


def test_a_job_lost_before_it_began_frees_the_sheets(world, rq):
    sheet = world.sheet(world.employees["1002"])
    batch = _create(world, [sheet])
    jobs.start_export(batch)
    queue.connection.flushdb()  # Redis lost the job before any worker took it
    jobs.refresh_export(batch)
    assert batch.status == BatchStatus.FAILED
    assert db.session.get(Timesheet, sheet.id).export_lock_id is None
    again = _create(world, [db.session.get(Timesheet, sheet.id)])
    jobs.start_export(again)
    work()
    assert _reload(again).status == BatchStatus.COMMITTED
    assert len(entries(world.simulator)) == 1


def test_dropped_between_chunks_then_retried_sends_each_line_once(app, world, rq, monkeypatch):
    app.config.update(SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[1])
    monkeypatch.setattr(export_run, "CHUNK", 2)
    world.simulator.server.config.drop_after = 4  # login, get, begin, 1 chunk, then drop
    sheet = world.sheet(world.employees["1002"], hours=("8", "8", "8", "8", "8"))
    batch = _create(world, [sheet])
    jobs.start_export(batch)
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.error["retrying"]
    assert batch.begun_at is not None and batch.lines_sent == 2
    world.simulator.server.config.drop_after = None
    _enqueue_due_retries()
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED
    assert batch.attempts == 1  # RQ's retry is part of the one run the portal queued
    assert len(entries(world.simulator)) == 5
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN


def test_committed_in_avantage_but_not_recorded_is_only_recorded(world, rq, client):
    """The worker died right after COMMIT_BATCH: Avantage has the lines, the portal not."""
    sheet = world.sheet(world.employees["1002"], hours=("8", "7"))
    batch = _create(world, [sheet])
    with world.simulator.client() as avantage:  # what the dead worker had done
        avantage.begin_batch(batch.batch_key)
        avantage.add_lines(batch.batch_key, [line.payload for line in batch.lines])
        avantage.commit_batch(batch.batch_key)
    batch.status, batch.begun_at = BatchStatus.SENDING, utcnow()
    batch.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    page = client.get(f"/feuilles-de-temps/exportation/lots/{batch.id}")
    assert "Reprendre l&#39;envoi" in page.text or "Reprendre l'envoi" in page.text
    assert _reload(batch).status == BatchStatus.INTERRUPTED
    assert db.session.get(Timesheet, sheet.id).export_lock_id == batch.id  # still locked
    client.post(
        f"/feuilles-de-temps/exportation/lots/{batch.id}/reprendre", headers={"HX-Request": "true"}
    )
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED
    assert len(entries(world.simulator)) == 2  # not 4
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN


def test_an_open_batch_found_on_resume_is_completed_once(world, rq):
    sheet = world.sheet(world.employees["1002"], hours=("8", "7", "6"))
    batch = _create(world, [sheet])
    with world.simulator.client() as avantage:  # begun and half sent, then the worker died
        avantage.begin_batch(batch.batch_key)
        avantage.add_lines(batch.batch_key, [line.payload for line in batch.lines[:2]])
    batch.status, batch.begun_at = BatchStatus.INTERRUPTED, utcnow()
    db.session.commit()
    jobs.start_export(batch)
    work()
    assert _reload(batch).status == BatchStatus.COMMITTED
    assert sorted(entry["hours"] for entry in entries(world.simulator)) == ["6.00", "7.00", "8.00"]


@pytest.mark.slow
def test_a_killed_worker_process_mid_send_then_resumed(
    app, world, rq, redis_url, tmp_path, make_user
):
    """A real worker.py, killed with SIGKILL once the batch is begun in Avantage."""
    from portal.models import SyncSection

    crew = [make_user("employee", employee_number=str(1004 + n)) for n in range(6)]
    for employee in crew:
        world.link(SyncSection.EMPLOYEES, employee.id, employee.employee_number)
    sheets = [
        world.sheet(employee, week=MONDAY - timedelta(weeks=week), hours=("8",) * 7)
        for employee in crew
        for week in range(5)
    ]  # 210 lines
    batch = _create(world, sheets)
    world.simulator.server.config.latency_ms = 400
    jobs.start_export(batch)
    worker = _start_worker(app, redis_url, tmp_path)
    try:  # begun: from now on only GET_BATCH can tell what Avantage holds
        _wait_for(lambda: _reload(batch).begun_at is not None, timeout=60)
    finally:
        _kill_with_children(worker.pid)
        worker.wait(timeout=10)
    batch = _reload(batch)
    assert batch.status == BatchStatus.SENDING
    time.sleep(WORKER_STALE_SECONDS + 0.2)  # the killed worker's lease expires
    jobs.refresh_export(batch)
    assert batch.status == BatchStatus.INTERRUPTED
    world.simulator.server.config.latency_ms = 0
    jobs.start_export(batch)
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert len(entries(world.simulator)) == batch.line_count == 210
