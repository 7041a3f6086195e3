"""A batch waiting for a retry the queue no longer holds is never stuck: once begun in
Avantage it becomes Interrompu with Reprendre, else Échoué with its sheets freed; and with
Redis down, Envoyer creates nothing while Reprendre keeps the batch."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from redis import Redis

from portal import jobs
from portal.extensions import db, queue
from portal.models import AuditEvent, BatchStatus, ExportBatch, Timesheet, TimesheetStatus
from portal.models.base import utcnow
from portal.services import export_run
from tests.export.test_exactly_once import _create, _reload
from tests.fixtures.export_world import entries
from tests.fixtures.preflight import confirmed_send
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true"}


def _retrying_batch(app, world, monkeypatch, *, begun: bool) -> tuple[ExportBatch, Timesheet]:
    """A batch whose job failed on a dropped connection and waits for RQ's delayed retry."""
    app.config.update(SYNC_CLIENT_RETRIES=0, AVANTAGE_RETRY_INTERVALS=[30])
    monkeypatch.setattr(export_run, "CHUNK", 2)
    # login, GET_BATCH, then drop (never begun) — or login, GET, BEGIN, one chunk, then drop
    world.simulator.server.config.drop_after = 4 if begun else 2
    sheet = world.sheet(world.employees["1002"], hours=("8", "8", "8", "8"))
    batch = _create(world, [sheet])
    jobs.start_export(batch)
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.QUEUED and batch.error["retrying"]
    assert (batch.begun_at is not None) == begun
    world.simulator.server.config.drop_after = None
    return batch, sheet


@pytest.mark.parametrize("redis", ["data lost", "data kept, no scheduler"])
def test_a_begun_batch_whose_retry_is_gone_can_be_resumed(
    app, world, rq, monkeypatch, client, redis
):
    batch, sheet = _retrying_batch(app, world, monkeypatch, begun=True)
    later = None
    if redis == "data lost":
        queue.connection.flushdb()
    else:  # the retry is still scheduled, but its time is long past: no scheduler runs
        later = utcnow() + timedelta(seconds=30 + app.config["RUN_STALE_SECONDS"] + 1)
    jobs.refresh_export(batch, later)
    batch = _reload(batch)
    assert batch.status == BatchStatus.INTERRUPTED
    assert "Reprendre" in batch.error["fix_fr"] and "Redis" in batch.error["message_fr"]
    assert db.session.get(Timesheet, sheet.id).export_lock_id == batch.id  # kept for the resume
    page = client.get(f"/feuilles-de-temps/exportation/lots/{batch.id}")
    assert "Reprendre l&#39;envoi" in page.text or "Reprendre l'envoi" in page.text
    queue.connection.flushdb()  # the old retry must not run as well
    client.post(f"/feuilles-de-temps/exportation/lots/{batch.id}/reprendre", headers=HTMX)
    work()
    batch = _reload(batch)
    assert batch.status == BatchStatus.COMMITTED
    assert len(entries(world.simulator)) == 4  # every line once
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN


def test_a_batch_never_begun_whose_retry_is_gone_frees_its_sheets(app, world, rq, monkeypatch):
    batch, sheet = _retrying_batch(app, world, monkeypatch, begun=False)
    queue.connection.flushdb()
    jobs.refresh_export(batch)
    batch = _reload(batch)
    assert batch.status == BatchStatus.FAILED
    assert "de nouveau disponibles" in batch.error["fix_fr"]
    assert db.session.get(Timesheet, sheet.id).export_lock_id is None
    assert entries(world.simulator) == []


def test_a_retry_that_is_only_waiting_is_left_alone(app, world, rq, monkeypatch):
    batch, _ = _retrying_batch(app, world, monkeypatch, begun=True)
    jobs.refresh_export(batch)
    assert _reload(batch).status == BatchStatus.QUEUED


def _redis_down() -> None:
    queue._connection = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)


def test_envoyer_with_redis_down_creates_no_batch(app, world, client):
    sheet = world.sheet(world.employees["1002"])
    _redis_down()
    response = confirmed_send(client, {"integration": world.integration.id, "sheet": [sheet.id]})
    assert response.status_code == 200
    assert "aucun lot" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ExportBatch.id))) == 0
    assert db.session.get(Timesheet, sheet.id).export_lock_id is None
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "export.not_queued" in actions


def test_reprendre_with_redis_down_keeps_the_batch(app, world, rq, client, monkeypatch):
    batch, sheet = _retrying_batch(app, world, monkeypatch, begun=True)
    queue.connection.flushdb()
    jobs.refresh_export(batch)
    _redis_down()
    response = client.post(
        f"/feuilles-de-temps/exportation/lots/{batch.id}/reprendre", headers=HTMX
    )
    assert response.status_code == 409
    message = json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    assert "conservé" in message and "restent disponibles" not in message
    batch = _reload(batch)
    assert batch.status == BatchStatus.INTERRUPTED
    assert db.session.get(Timesheet, sheet.id).export_lock_id == batch.id
