"""LIST through the client: paging, filters, since, resumption, cursor expiry, faults, memory."""

from __future__ import annotations

import json
import math
import time
import tracemalloc

import pytest

from portal.avantage import (
    AvantageClient,
    AvantageError,
    ProtocolError,
    RequestTimeoutError,
    ServerError,
)
from portal.avantage.protocol import Greeting
from tests.avantage.peers import ScriptedServer
from tests.simulator_fixtures import RunningSimulator


def _dataset_numbers(simulator: RunningSimulator) -> list[str]:
    return [employee["number"] for employee in simulator.server.dataset.tables["employees"]]


@pytest.mark.parametrize("limit", [500, 1000, 333])
def test_paging_takes_exactly_one_round_trip_per_page(make_simulator, limit: int) -> None:
    simulator: RunningSimulator = make_simulator(employees=10_000)
    with simulator.client() as client:
        before = client.round_trips
        pages = list(client.list_pages("employees", limit=limit))
        assert client.round_trips - before == math.ceil(10_000 / limit) == len(pages)
    assert {page.total for page in pages} == {10_000}
    assert [item["number"] for page in pages for item in page.items] == _dataset_numbers(simulator)
    assert pages[-1].next_cursor is None


def test_every_entity_lists(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        counts = {
            entity: sum(1 for _ in client.iter_items(entity))
            for entity in (
                "projects",
                "employees",
                "trades",
                "hour_types",
                "earnings",
                "suppliers",
                "purchase_orders",
                "timesheet_entries",
            )
        }
        activities = list(client.iter_items("activities", project="24-101"))
        budget = list(client.iter_items("budget", project="24-101"))
        orders = list(client.iter_items("purchase_orders", project="24-103"))
    assert counts == {
        "projects": 12,
        "employees": 120,
        "trades": 8,
        "hour_types": 4,
        "earnings": 5,
        "suppliers": 20,
        "purchase_orders": 40,
        "timesheet_entries": 0,
    }
    assert [activity["code"] for activity in activities] == [
        "01-100",
        "02-200",
        "03-100",
        "03-300",
        "06-100",
        "15-400",
        "16-100",
        "09-900",
    ]
    assert [row["activity"] for row in budget] == [activity["code"] for activity in activities]
    assert orders and {order["project"] for order in orders} == {"24-103"}


def test_per_project_entities_need_an_existing_project(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        with pytest.raises(ServerError) as raised:
            list(client.iter_items("activities"))
        assert raised.value.code == "INVALID" and "project" in raised.value.server_message
        with pytest.raises(ServerError) as raised:
            list(client.iter_items("budget", project="99-999"))
        assert raised.value.code == "NOT_FOUND"
        with pytest.raises(ServerError) as raised:
            list(client.iter_items("employees", project="24-101"))
        assert raised.value.code == "INVALID"


def test_since_returns_only_what_changed(simulator: RunningSimulator) -> None:
    dataset = simulator.server.dataset
    with simulator.client() as client:
        newest = max(item["updated_at"] for item in client.iter_items("employees"))
        assert list(client.iter_items("employees", since=newest)) == []
        sync_point = client.ping().server_time
        touched = dataset.touch("employees", "1005", email="nouveau@exemple.ca")
        dataset.add(
            "employees",
            {
                "number": "9001",
                "first_name": "Aline",
                "last_name": "Roy",
                "email": None,
                "trade": "ELEC",
                "competency": "apprenti-2",
                "active": True,
            },
        )
        dataset.remove("employees", "1006")
        changed = list(client.iter_items("employees", since=sync_point, limit=1))
        assert [item["number"] for item in changed] == ["1005", "9001"]
        assert changed[0] == touched and changed[0]["updated_at"] > sync_point
        assert len(list(client.iter_items("employees"))) == 120
        page = next(client.list_pages("employees", since=sync_point, limit=1))
        assert page.total == 2


def test_a_dropped_connection_resumes_without_loss_or_repeat(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(employees=1000, drop_after=3)
    with simulator.client(retries=2) as client:
        numbers = [item["number"] for item in client.iter_items("employees", limit=100)]
    assert numbers == _dataset_numbers(simulator)
    assert client.round_trips > 10  # reconnections logged in again on the way


def test_an_expired_cursor_restarts_without_repeats(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(employees=1000, cursor_ttl=0.3)
    numbers = []
    with simulator.client() as client:
        for index, item in enumerate(client.iter_items("employees", limit=100)):
            numbers.append(item["number"])
            if index == 250:
                time.sleep(0.45)  # the consumer is slow: the cursor expires meanwhile
        assert client.round_trips >= 1 + 10 + 3  # login, pages, then pages 1-3 again
    assert numbers == _dataset_numbers(simulator)


def test_a_garbage_frame_is_a_protocol_error(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(garbage_every=2)
    with simulator.client() as client, pytest.raises(ProtocolError) as raised:
        list(client.iter_items("employees"))
    assert not raised.value.transient


def test_garbage_without_encryption_too(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(garbage_every=3, key=None)
    with simulator.client() as client:
        client.ping()
        with pytest.raises(ProtocolError):
            client.ping()


def test_a_slow_server_times_out_then_gives_up(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(latency_ms=200)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as raised:
        simulator.client(timeout=0.05, retries=1).ping()
    assert raised.value.transient
    assert time.monotonic() - started < 2
    with simulator.client(timeout=1.0) as patient:
        assert patient.ping().round_trip >= 0.2


def test_listing_keeps_memory_flat(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(employees=20_000)
    with simulator.client() as client:
        tracemalloc.start()
        try:
            count = sum(1 for _ in client.iter_items("employees", limit=500))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == 20_000
    assert peak < 6 * 1024 * 1024  # a few pages, not 20,000 records (about 20 MB)


def _frame(**fields: object) -> bytes:
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"


def test_a_wrong_read_ahead_guess_is_discarded() -> None:
    """The next page is asked for from the raw bytes, before decoding; a wrong guess is dropped."""
    greeting = Greeting("7.40", 1, 65536, crypto=False).to_line().encode() + b"\n"
    login = {"company": {"code": "C", "name": "N"}, "server_time": "2026-01-01T00:00:00Z"}
    decoy_page = {"next_cursor": "real", "items": [{"n": 1, "next_cursor": "decoy"}], "total": 2}
    last_page = {"items": [{"n": 2}], "next_cursor": None, "total": 2}
    replies = (
        _frame(id=1, ok=True, data=login),
        _frame(id=2, ok=True, data=decoy_page),
        _frame(id=3, ok=False, error={"code": "INVALID", "message": "cursor: unknown"}),
        _frame(id=4, ok=True, data=last_page),
        _frame(id=5, ok=True, data={}),
    )
    with (
        ScriptedServer(greeting, replies=replies) as server,
        AvantageClient(*server.address, "u", "p", timeout=2, retries=0) as client,
    ):
        assert [item["n"] for item in client.iter_items("employees")] == [1, 2]
    requests = [json.loads(line) for line in server.received[0].splitlines()]
    assert [request.get("cursor", "-") for request in requests] == ["-", None, "decoy", "real", "-"]


def test_leaving_a_listing_early_keeps_the_client_usable(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        for page in client.list_pages("employees", limit=10):
            assert page.items
            break  # the request for page 2 was already sent: its answer must not confuse PING
        assert client.ping().server_time
        assert len(list(client.iter_items("projects"))) == 12


def test_nested_listings_share_one_connection(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        activities = {
            project["id"]: [
                activity["code"]
                for activity in client.iter_items("activities", project=project["id"], limit=3)
            ]
            for project in client.iter_items("projects", limit=5)
        }
    assert len(activities) == 12
    assert all(len(codes) == 8 for codes in activities.values())


def test_a_server_that_goes_away_stays_away_until_cleared(make_simulator) -> None:
    """``frame_budget``: past N frames in all, every frame of every connection is dropped
    (reconnections too), which the export tests use for « MainTCP went away mid-batch »."""
    simulator: RunningSimulator = make_simulator(employees=200, frame_budget=2)
    with simulator.client(retries=2) as client:
        client.login()  # frame 1
        next(iter(client.iter_items("employees", limit=50)))  # frame 2: the first page
        with pytest.raises(AvantageError):
            list(client.iter_items("employees", limit=50))  # frame 3, then every login
    simulator.server.config.frame_budget = None
    with simulator.client() as client:
        assert len(list(client.iter_items("employees", limit=50))) == 200
