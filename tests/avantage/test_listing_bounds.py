"""What a hostile server may cost a listing: its announced total, cursors, pages, frame size."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from portal.avantage import (
    DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MAX_PAGES,
    AvantageClient,
    ListingOverrunError,
    Overrun,
    ResponseTooLargeError,
)
from portal.avantage.bounds import margin
from tests.avantage.hostile import HostileServer, employee, endless, ok, streamed_list_frame
from tests.simulator_fixtures import RunningSimulator


def _client(server: HostileServer, **options: Any) -> AvantageClient:
    return AvantageClient(
        server.host, server.port, server.user, server.password, timeout=5, retries=0, **options
    )


def _overrun(
    server: HostileServer, max_pages: int = DEFAULT_MAX_PAGES, limit: int = 500
) -> tuple[list[dict[str, Any]], ListingOverrunError]:
    """What a listing of employees yielded before it raised, and the error."""
    seen: list[dict[str, Any]] = []
    with (
        _client(server, max_pages=max_pages) as client,
        pytest.raises(ListingOverrunError) as raised,
    ):
        for item in client.iter_items("employees", limit=limit):
            seen.append(item)
    return seen, raised.value


@pytest.mark.parametrize(
    ("per_page", "total", "listed"),
    [
        (500, 1, 0),  # the report: 500 items a page, a new cursor, total 1
        (100, 1000, 1000),
        (5, 100, 100 + margin(100)),  # small pages: the margin for records added meanwhile
    ],
)
def test_an_endless_listing_stops_at_its_announced_total(
    per_page: int, total: int, listed: int
) -> None:
    with HostileServer(endless(per_page, total)) as server:
        seen, error = _overrun(server)
    assert len(seen) == listed <= total + margin(total)
    assert error.overrun == Overrun.OVER_TOTAL and not error.transient
    received = listed + per_page
    assert f"{received} éléments reçus alors qu'il en annonçait {total}" in error.message_fr
    assert f"{received} items received while it announced {total}" in error.message_en
    assert "employees" in error.message_en and "MainTCP" in error.fix_fr
    assert server.lists <= listed // per_page + 2  # the pages, and one asked ahead


def test_a_total_that_keeps_growing_stops() -> None:
    with HostileServer(endless(100, 100, grow=100)) as server:
        seen, error = _overrun(server)
    assert len(seen) == 100
    assert error.overrun == Overrun.TOTAL_GREW
    assert "de 100 à 200" in error.message_fr


def test_a_cursor_given_twice_stops_the_loop() -> None:
    def looping(request: dict[str, Any]) -> list[bytes]:
        start = 1 if request["cursor"] is None else 11
        items = [employee(start + index) for index in range(10)]
        return ok(request, {"items": items, "next_cursor": "encore", "total": 1_000_000})

    with HostileServer(looping) as server:
        seen, error = _overrun(server)
    assert len(seen) == 10 and error.overrun == Overrun.CURSOR_REPEATED
    assert "tournerait en rond" in error.message_fr


def test_the_page_limit_is_a_constructor_setting() -> None:
    with HostileServer(endless(1, 10**9)) as server:
        seen, error = _overrun(server, max_pages=5)
    assert len(seen) == 5 and error.overrun == Overrun.TOO_MANY_PAGES
    assert "more than 5 pages" in error.message_en


def test_a_page_longer_than_the_limit_is_refused_whole() -> None:
    def generous(request: dict[str, Any]) -> list[bytes]:
        items = [employee(index) for index in range(request["limit"] + 1)]
        return ok(request, {"items": items, "next_cursor": None, "total": 1000})

    with HostileServer(generous) as server:
        seen, error = _overrun(server, limit=10)
    assert seen == [] and error.overrun == Overrun.PAGE_TOO_LONG
    assert "une page de 11 éléments alors que 10 au plus étaient demandés" in error.message_fr


def test_records_added_and_removed_while_paging_are_still_listed(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(employees=100)
    dataset = simulator.server.dataset
    numbers = []
    with simulator.client() as client:
        for index, item in enumerate(client.iter_items("employees", limit=10)):
            numbers.append(item["number"])
            if index == 30:
                for number in range(9001, 9006):
                    dataset.add("employees", {**employee(number), "number": str(number)})
                for number in numbers[:3]:
                    dataset.remove("employees", number)
    assert len(numbers) == 105 and numbers[-5:] == [str(n) for n in range(9001, 9006)]


def test_an_oversized_frame_is_cut_at_the_cap_with_memory_bounded() -> None:
    """One ~60 MB LIST frame (20 M ``{}`` items) costs the client about the cap, not 1.6 GB."""
    with (
        HostileServer(lambda request: streamed_list_frame(request, 20_000_000)) as server,
        _client(server) as client,
    ):
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError) as raised:
                list(client.iter_items("employees"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    error = raised.value
    assert peak < 1.5 * DEFAULT_MAX_FRAME_BYTES
    assert "8\N{NO-BREAK SPACE}388\N{NO-BREAK SPACE}608 octets" in error.message_fr
    assert "8,388,608 bytes" in error.message_en and not error.transient


@pytest.mark.parametrize(("padding", "fits"), [(60_000, True), (70_000, False)])
def test_the_frame_cap_is_a_constructor_setting(padding: int, fits: bool) -> None:
    def padded(request: dict[str, Any]) -> list[bytes]:
        items = [{**employee(1), "last_name": "x" * padding}]
        return ok(request, {"items": items, "next_cursor": None, "total": 1})

    with HostileServer(padded) as server, _client(server, max_frame_bytes=64 * 1024) as client:
        if fits:
            assert len(list(client.iter_items("employees"))) == 1
        else:
            with pytest.raises(ResponseTooLargeError):
                list(client.iter_items("employees"))


@pytest.mark.parametrize(("limit", "fits"), [(5, True), (100, False)])
def test_the_frame_cap_counts_json_bytes_when_encrypted(
    simulator: RunningSimulator, limit: int, fits: bool
) -> None:
    with simulator.client(max_frame_bytes=4096, retries=0) as client:
        if fits:
            assert len(next(client.list_pages("employees", limit=limit)).items) == limit
        else:
            with pytest.raises(ResponseTooLargeError):
                next(client.list_pages("employees", limit=limit))
