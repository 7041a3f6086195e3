"""A correction batch is sent exactly once under the first send's crash points: dropped
between chunks and retried, committed in Avantage but not recorded, found open on resume."""

from __future__ import annotations

from datetime import timedelta

from portal import jobs
from portal.extensions import db
from portal.models import BatchStatus, ExportBatch, Timesheet, TimesheetStatus
from portal.models.base import utcnow
from portal.services import export_batch, export_run
from tests.export.test_corrections import (
    correct_tuesday,
    expected,
    net,
    revalidate,
    sent_sheet,
    unfreeze,
)
from tests.fixtures.export_world import entries
from tests.fixtures.queue import work
from tests.sync.test_jobs import _enqueue_due_retries


def correction_batch(world) -> tuple[Timesheet, ExportBatch]:
    """A sent sheet, unfrozen, corrected and validated, in a batch not started yet."""
    sheet = sent_sheet(world)
    unfreeze(world, sheet)
    correct_tuesday(sheet)
    revalidate(world, sheet)
    batch, _ = export_batch.create_batch(
        world.admin.company_id, world.admin, world.integration, [sheet], confirm_resend=False
    )
    db.session.commit()
    return sheet, batch


def reload(batch) -> ExportBatch:
    db.session.expire_all()
    return db.session.get(ExportBatch, batch.id)


def assert_net_is_the_revision(world, sheet, batch) -> None:
    assert reload(batch).status == BatchStatus.COMMITTED
    assert {key: h for key, (h, _a) in net(world.simulator).items()} == expected(
        world.simulator, sheet
    )
    assert len(entries(world.simulator)) == 3 + 6  # the original, 3 reversals, 3 new lines
    sheet = db.session.get(Timesheet, sheet.id)
    assert (sheet.status, sheet.in_correction) == (TimesheetStatus.FROZEN, False)


def test_dropped_between_chunks_then_retried(app, world, rq, monkeypatch):
    sheet, batch = correction_batch(world)
    app.config.update(SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[1])
    monkeypatch.setattr(export_run, "CHUNK", 2)
    world.simulator.server.config.drop_after = 4  # login, get, begin, 1 chunk, then drop
    jobs.start_export(batch)
    work()
    batch = reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.lines_sent == 2
    world.simulator.server.config.drop_after = None
    _enqueue_due_retries()
    work()
    assert_net_is_the_revision(world, sheet, batch)


def test_committed_in_avantage_but_not_recorded_is_only_recorded(world, rq, client):
    sheet, batch = correction_batch(world)
    with world.simulator.client() as avantage:  # what the dead worker had done
        avantage.begin_batch(batch.batch_key)
        avantage.add_lines(batch.batch_key, [line.payload for line in batch.lines])
        avantage.commit_batch(batch.batch_key)
    batch.status, batch.begun_at = BatchStatus.SENDING, utcnow()
    batch.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    client.get(f"/feuilles-de-temps/exportation/lots/{batch.id}")  # the reaper sees it stuck
    assert reload(batch).status == BatchStatus.INTERRUPTED
    client.post(
        f"/feuilles-de-temps/exportation/lots/{batch.id}/reprendre", headers={"HX-Request": "true"}
    )
    work()
    assert_net_is_the_revision(world, sheet, batch)


def test_an_open_correction_found_on_resume_is_completed_once(world, rq):
    sheet, batch = correction_batch(world)
    with world.simulator.client() as avantage:  # begun, the reversals sent, then it died
        avantage.begin_batch(batch.batch_key)
        avantage.add_lines(batch.batch_key, [line.payload for line in batch.lines[:3]])
    batch.status, batch.begun_at = BatchStatus.INTERRUPTED, utcnow()
    db.session.commit()
    jobs.start_export(batch)
    work()
    assert_net_is_the_revision(world, sheet, batch)
