"""Rapprocher: a committed batch against what Avantage holds now, for each kind of difference
(modified, deleted, added by hand), with the office playing Avantage through the simulator's
office helpers; the frozen sheet is never rewritten; the job's owner is checked."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest

from portal import jobs
from portal.avantage.simulator import office
from portal.extensions import db
from portal.models import (
    ExportBatch,
    Reconciliation,
    ReconciliationStatus,
    Timesheet,
    TimesheetStatus,
)
from portal.models.base import utcnow
from tests.fixtures.export_world import entries
from tests.fixtures.preflight import confirmed_send
from tests.fixtures.queue import work

BASE = "/feuilles-de-temps/exportation/lots"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def sent(client, world, rq):
    """Two sheets of 1002 and 1003 (three days of 8 h each) sent and committed."""
    sheets = [
        world.sheet(world.employees[number], hours=("8.00",) * 3) for number in ("1002", "1003")
    ]
    confirmed_send(client, {"sheet": [sheet.id for sheet in sheets]})
    work()
    batch = db.session.scalar(db.select(ExportBatch))
    assert batch.avantage_batch, batch.error
    return batch, sheets


def _reconcile(client, batch) -> Reconciliation:
    response = client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    assert response.status_code == 200, response.text[:300]
    work()
    db.session.expire_all()
    return db.session.scalar(
        db.select(Reconciliation)
        .where(Reconciliation.batch_id == batch.id)
        .order_by(Reconciliation.id.desc())
    )


def test_an_untouched_batch_is_identical(client, world, sent):
    batch, _sheets = sent
    done = _reconcile(client, batch)
    assert done.status == ReconciliationStatus.DONE
    assert (done.identical, done.modified, done.deleted, done.added) == (6, 0, 0, 0)


def test_each_kind_of_difference_is_found_and_the_sheet_stays_as_approved(client, world, sent):
    batch, (first, _second) = sent
    server = world.simulator.server
    held = {entry["line"]: entry for entry in entries(world.simulator)}
    office.change_entry(
        server.state, server.dataset, held[1]["entry"], hours="6.50", hour_type="T1.5"
    )
    office.delete_entry(server.state, held[4]["entry"])
    by_hand = office.key_entry(
        server.state,
        server.dataset,
        {
            **{k: held[2][k] for k in ("kind", "employee", "date", "project", "activity", "trade")},
            "hour_type": "REG",
            "hours": "2.00",
        },
    )

    done = _reconcile(client, batch)

    assert (done.identical, done.modified, done.deleted, done.added) == (4, 1, 1, 1)
    page = html.unescape(client.get(f"{BASE}/{batch.id}/rapprochement", headers=HTMX).text)
    assert page.count('data-difference="modified"') == 1
    assert "hours : 8.00" in page and "hours : 6.50" in page and "hour_type : T1.5" in page
    assert page.count('data-difference="deleted"') == 1
    assert page.count('data-difference="added"') == 1 and f"{by_hand['date']}" in page
    # The frozen sheet is what was approved; its page says Avantage changed it.
    db.session.expire_all()
    sheet = db.session.get(Timesheet, first.id)
    assert sheet.status == TimesheetStatus.FROZEN
    assert {line.hours for line in sheet.hour_lines} == {8}
    employee_id, week = sheet.employee_id, sheet.week_start.isoformat()
    sheet_page = html.unescape(client.get(f"/feuilles-de-temps/employes/{employee_id}/{week}").text)
    assert "Modifié dans Avantage" in sheet_page


def test_an_entry_of_another_day_or_employee_is_not_counted(client, world, sent):
    batch, _sheets = sent
    server = world.simulator.server
    held = entries(world.simulator)[0]
    office.key_entry(
        server.state,
        server.dataset,
        {
            **{k: held[k] for k in ("kind", "project", "activity", "trade", "hour_type")},
            "employee": held["employee"],
            "date": "2026-12-20",
            "hours": "1.00",
        },
    )
    assert _reconcile(client, batch).added == 0


def test_only_a_committed_batch_is_reconciled(client, world, rq):
    bad = world.sheet(world.employees["1031"])  # inactive in Avantage: rejected
    confirmed_send(client, {"sheet": [bad.id]})
    work()
    batch = db.session.scalar(db.select(ExportBatch))
    response = client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and "Seul un lot accepté par Avantage" in toast["message"]
    assert db.session.scalar(db.select(db.func.count(Reconciliation.id))) == 0


def test_a_second_click_joins_the_reconciliation_under_way(client, world, sent):
    batch, _sheets = sent
    client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    assert db.session.scalar(db.select(db.func.count(Reconciliation.id))) == 1


def test_a_reconciliation_whose_job_the_queue_lost_fails_by_itself(client, world, sent, rq):
    batch, _sheets = sent
    client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    item = db.session.scalar(db.select(Reconciliation))
    item.due_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    rq.connection.flushdb()  # Redis came back empty

    assert jobs.reap() >= 1
    db.session.expire_all()
    item = db.session.get(Reconciliation, item.id)
    assert item.status == ReconciliationStatus.FAILED and not item.active
    section = html.unescape(client.get(f"{BASE}/{batch.id}/rapprochement", headers=HTMX).text)
    assert "Relancez le rapprochement" in section


def test_the_nightly_job_reconciles_the_recent_batches_once(world, sent):
    batch, _sheets = sent
    assert jobs.run_daily_reconciliation() == 1
    assert jobs.run_daily_reconciliation() == 0  # reconciled less than 20 hours ago
    work()
    item = db.session.scalar(db.select(Reconciliation))
    assert item.batch_id == batch.id and item.status == ReconciliationStatus.DONE
    assert item.requested_by_id is None


def test_the_history_counts_the_differences_of_each_batch(client, world, sent):
    batch, _sheets = sent
    server = world.simulator.server
    office.delete_entry(server.state, entries(world.simulator)[0]["entry"])
    _reconcile(client, batch)
    page = html.unescape(client.get("/historique/").text)
    assert 'data-reconciled="1"' in page and "Rapprochement : 1 écart avec Avantage" in page


def test_an_entry_whose_amount_alone_changed_in_avantage_is_modified(client, world, sent):
    """Avantage re-rated an entry: same hours, type and activity, another amount and a new
    updated_at (what the SDK promises of an entry changed after it was posted)."""
    batch, _sheets = sent
    state = world.simulator.server.state
    entry = entries(world.simulator)[2]
    state.unpost(entry["entry"])
    state.post({**entry, "amount": "999.99", "updated_at": "2099-01-01T00:00:00Z"})

    done = _reconcile(client, batch)

    assert (done.identical, done.modified) == (5, 1)
    page = html.unescape(client.get(f"{BASE}/{batch.id}/rapprochement", headers=HTMX).text)
    assert "amount : 999.99" in page


def test_a_running_reconciliation_whose_worker_died_fails_by_itself(client, world, sent):
    """Running under a lease nobody renews any more (the worker was killed mid-listing)."""
    batch, _sheets = sent
    client.post(f"{BASE}/{batch.id}/rapprocher", headers=HTMX)
    item = db.session.scalar(db.select(Reconciliation))
    item.status = ReconciliationStatus.RUNNING
    item.lease_owner = "dead-worker"
    item.lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert jobs.reap() >= 1
    db.session.expire_all()
    item = db.session.get(Reconciliation, item.id)
    assert (item.status, item.active) == (ReconciliationStatus.FAILED, False)
    assert item.error["type"] == "lost"
