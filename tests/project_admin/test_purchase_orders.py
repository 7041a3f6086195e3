"""Bons de commande against the simulator (real TCP, a real RQ worker): company-wide and per
project, cached under each order's own project; an order whose project, supplier or activity
the portal lacks is kept and warned about; a removed order is marked; the amounts of open
orders beside each activity's budget."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.jobs import schedule_jobs
from portal.models import RemoteRecord, RunStatus, SyncRun, SyncSection
from portal.models.base import utcnow
from portal.services import purchase_orders, schedules
from portal.services.bulk_insert import insert_missing
from portal.services.sync import budget
from tests.fixtures.queue import work

ORDERS, ACTIVITIES = SyncSection.PURCHASE_ORDERS, SyncSection.ACTIVITIES
HTMX_HEADERS = {"HX-Request": "true"}


def _orders_of(dataset, project: str) -> list[dict]:
    return [order for order in dataset.tables["purchase_orders"] if order["project"] == project]


def _cached() -> dict[str, RemoteRecord]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(RemoteRecord).where(RemoteRecord.entity == ORDERS))
    return {record.key: record for record in rows}


@pytest.fixture
def linked(listed, project, link, sync_now):
    """Portal project 24-103 linked to Avantage's 24-103, its activities synchronised."""
    link(listed.integration, project, "24-103")
    assert sync_now(listed.integration, ACTIVITIES, project=project).status == RunStatus.SUCCEEDED
    return listed


def test_the_company_sync_caches_every_order_under_its_project(linked, sync_now):
    dataset = linked.simulator.server.dataset
    run = sync_now(linked.integration, ORDERS)

    assert run.status == RunStatus.SUCCEEDED, run.error
    everything = list(dataset.tables["purchase_orders"])
    assert run.done == len(everything) == len(_cached())
    assert {key: record.scope for key, record in _cached().items()} == {
        order["number"]: order["project"] for order in everything
    }
    # Only 24-103 is linked, and no supplier is synchronised yet: every order is warned about.
    assert run.warnings == len(everything)


def test_preview_writes_nothing(linked, sync_now):
    run = sync_now(linked.integration, ORDERS, preview=True)
    assert run.status == RunStatus.SUCCEEDED and run.done > 0
    assert _cached() == {}


def test_a_project_sync_lists_its_orders_only_and_warns_about_what_the_portal_lacks(
    linked, project, sync_now
):
    dataset = linked.simulator.server.dataset
    own = _orders_of(dataset, "24-103")
    assert own, "the simulator's data set gives 24-103 orders"
    first = own[0]["number"]
    dataset.touch(
        "purchase_orders",
        first,
        lines=[
            {"activity": "03-100", "description": "Béton 30 MPa", "amount": "1500.00"},
            {"activity": "99-999", "description": "Inconnue", "amount": "10.00"},
        ],
        total="1510.00",
        status="open",
    )
    sync_now(linked.integration, SyncSection.SUPPLIERS)

    run = sync_now(linked.integration, ORDERS, project=project)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.done == len(own)
    assert set(_cached()) == {order["number"] for order in own}
    assert run.warnings == 1  # suppliers synchronised: only the unknown activity is left
    page = purchase_orders.orders_page(linked.integration, project_key="24-103")
    view = next(view for view in page.views if view.number == first)
    assert view.problems == ["activité absente du projet dans le portail : 99-999"]
    assert (
        view.supplier is not None
        and view.supplier.code == dataset.get("purchase_orders", first)["supplier"]
    )
    assert [line.activity.code if line.activity else None for line in view.lines] == [
        "03-100",
        None,
    ]
    assert view.total == Decimal("1510.00")


def test_open_orders_commit_their_lines_to_the_activities(linked, project, sync_now):
    dataset = linked.simulator.server.dataset
    sync_now(linked.integration, ORDERS, project=project)
    expected: dict[str, Decimal] = {}
    for order in _orders_of(dataset, "24-103"):
        if order["status"] == "open":
            for line in order["lines"]:
                expected[line["activity"]] = expected.get(line["activity"], 0) + Decimal(
                    line["amount"]
                )

    view = budget.project_budget(project.company_id, project)

    shown = {
        line.code: line.ordered_amount
        for line in view.by_activity.values()
        if line.ordered_amount is not None
    }
    assert shown == expected
    assert view.totals.ordered_amount == (sum(expected.values()) if expected else None)


def test_a_removed_order_is_marked_by_a_full_run_of_its_project_only(
    linked, project, sync_now, client
):
    dataset = linked.simulator.server.dataset
    sync_now(linked.integration, ORDERS)
    gone = _orders_of(dataset, "24-103")[0]["number"]
    elsewhere = next(
        o["number"] for o in dataset.tables["purchase_orders"] if o["project"] != "24-103"
    )
    dataset.remove("purchase_orders", gone)
    dataset.remove("purchase_orders", elsewhere)

    run = sync_now(linked.integration, ORDERS, project=project, full=True)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.removed == 1
    cached = _cached()
    assert cached[gone].removed_at is not None
    assert cached[elsewhere].removed_at is None  # not this project's: a company run will tell
    page = html.unescape(client.get(f"/projets/{project.id}/bons-de-commande").text)
    assert gone in page and "Retiré d'Avantage" in page

    company = sync_now(linked.integration, ORDERS, full=True)
    assert company.removed == 1 and _cached()[elsewhere].removed_at is not None


def test_an_order_moved_to_another_project_follows_it(linked, project, sync_now):
    dataset = linked.simulator.server.dataset
    sync_now(linked.integration, ORDERS)
    moved = next(o["number"] for o in dataset.tables["purchase_orders"] if o["project"] != "24-103")
    dataset.touch("purchase_orders", moved, project="24-103")

    run = sync_now(linked.integration, ORDERS, project=project)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert _cached()[moved].scope == "24-103"
    numbers = [
        view.number
        for view in purchase_orders.orders_page(linked.integration, project_key="24-103").views
    ]
    assert moved in numbers


def test_a_record_added_by_another_run_meanwhile_is_skipped(linked):
    row = {
        "company_id": linked.integration.company_id,
        "integration_id": linked.integration.id,
        "entity": ORDERS,
        "key": "BC-1",
        "scope": "24-103",
        "data": {"number": "BC-1"},
    }
    insert_missing(RemoteRecord.__table__, [row])
    insert_missing(RemoteRecord.__table__, [row, {**row, "key": "BC-2"}])
    db.session.commit()
    assert sorted(_cached()) == ["BC-1", "BC-2"]


def test_the_pages_show_orders_in_french_with_their_amounts(linked, project, sync_now, client):
    dataset = linked.simulator.server.dataset
    first = _orders_of(dataset, "24-103")[0]["number"]
    dataset.touch(
        "purchase_orders",
        first,
        status="open",
        total="12345.50",
        lines=[{"activity": "03-100", "description": "Béton 30 MPa", "amount": "12345.50"}],
    )
    sync_now(linked.integration, ORDERS)

    company = html.unescape(
        client.get(
            f"/parametres/integrations/{linked.integration.id}/synchro/bons-de-commande?q={first}"
        ).text
    )
    assert f'data-order="{first}"' in company and "12\u00a0345,50\u00a0$" in company
    assert "Ouvert" in company and "Béton 30 MPa" in company
    assert company.count("data-order=") == 1
    project_page = html.unescape(client.get(f"/projets/{project.id}/bons-de-commande").text)
    assert "Bons de commande ouverts ($)" in project_page
    assert "le fournisseur" in project_page  # suppliers not synchronised: warned, not dropped


def test_a_project_s_orders_run_on_their_schedule(linked, project, client, rq):
    url = f"/projets/{project.id}/integration/{linked.integration.id}/bons-de-commande"
    saved = client.post(f"{url}/planification", data={"mode": "hourly"}, headers=HTMX_HEADERS)
    assert saved.status_code == 200 and "Chaque heure" in html.unescape(saved.text)
    schedule = schedules.schedule_for(linked.integration, ORDERS, project)
    schedule.next_run_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert schedule_jobs.fire_due(utcnow()) == 1
    work()

    run = db.session.scalar(db.select(SyncRun).where(SyncRun.schedule_id == schedule.id))
    assert run.status == RunStatus.SUCCEEDED and run.project_id == project.id
    assert run.done == len(_orders_of(linked.simulator.server.dataset, "24-103"))
    assert "Planification" in html.unescape(client.get(url).text)
