"""Batches: idempotency, validation, atomic rejection, rates and amounts, chunking, persistence."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from portal.avantage import LineTooLargeError, ServerError
from portal.avantage.protocol import chunk_lines
from tests.simulator_fixtures import RunningSimulator

DAY = "2026-11-23"


def hours_line(number: int, **changes: Any) -> dict[str, Any]:
    line = {
        "line": number,
        "kind": "hours",
        "employee": "1001",
        "date": DAY,
        "project": "24-101",
        "activity": "03-100",
        "trade": "CHARP",
        "hour_type": "REG",
        "hours": "8.00",
    }
    return {**line, **changes}


def earning_line(number: int, earning: str, field: str, value: str, **changes: Any) -> dict:
    line = {
        "line": number,
        "kind": "earning",
        "employee": "1001",
        "date": DAY,
        "project": "24-101",
        "activity": "03-100",
        "earning": earning,
        field: value,
    }
    return {**line, **changes}


def test_batches_are_idempotent(simulator: RunningSimulator) -> None:
    lines = [hours_line(1), hours_line(2, date="2026-11-24"), hours_line(3, date="2026-11-25")]
    with simulator.client() as client:
        begun = client.begin_batch("export-42")
        assert begun.batch.startswith("TS-") and len(begun.batch) == 9 and begun.state == "open"
        assert client.begin_batch("export-42").batch == begun.batch
        assert client.add_lines("export-42", lines[:2]) == 2
        assert client.add_lines("export-42", lines) == 3  # re-sent lines change nothing
        assert client.add_lines("export-42", [hours_line(1, hours="2.00")]) == 3
        assert client.get_batch("export-42").state == "open"
        committed = client.commit_batch("export-42")
        assert (committed.state, committed.accepted, committed.duplicate) == ("committed", 3, False)
        again = client.commit_batch("export-42")
        assert again.duplicate and (again.batch, again.accepted) == (begun.batch, 3)
        fetched = client.get_batch("export-42")
        assert (fetched.state, fetched.accepted, fetched.batch) == ("committed", 3, begun.batch)
        assert client.begin_batch("export-42").state == "committed"
        entries = list(client.iter_items("timesheet_entries"))
        assert [entry["hours"] for entry in entries] == ["8.00"] * 3
        with pytest.raises(ServerError) as raised:
            client.add_lines("export-42", [hours_line(4)])
        assert raised.value.code == "CONFLICT"
        with pytest.raises(ServerError) as raised:
            client.get_batch("never-begun")
        assert raised.value.code == "NOT_FOUND"
        with pytest.raises(ServerError) as raised:
            client.add_lines("never-begun", lines)
        assert raised.value.code == "NOT_FOUND"


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ({**hours_line(5), "note": "x"}, "line 5, note"),
        ({key: value for key, value in hours_line(5).items() if key != "trade"}, "line 5, trade"),
        (hours_line(5, kind="bonus"), "line 5, kind"),
        (hours_line(5, date="2026-02-30"), "line 5, date"),
        (hours_line(5, date="23/11/2026"), "line 5, date"),
        (hours_line(5, hours=8), "line 5, hours"),
        (hours_line(5, hours="8,00"), "line 5, hours"),
        (hours_line(5, employee=""), "line 5, employee"),
        (hours_line(0), "lines[0].line"),
        (hours_line("5"), "lines[0].line"),
        (earning_line(5, "KM", "amount", "42"), "line 5, amount"),
        (earning_line(5, "REPAS", "amount", "18.5", hours="1"), "line 5, hours"),
        (earning_line(5, "HAUT", "hours", "3", trade="CHARP"), "line 5, trade"),
        ({**earning_line(5, "KM", "quantity", "42"), "quantity": 42.0}, "line 5, quantity"),
        ("not a line", "lines[0]"),
    ],
)
def test_add_lines_validates_shape(simulator: RunningSimulator, line: Any, named: str) -> None:
    with simulator.raw() as raw:
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]
        assert raw.request("BEGIN_BATCH", batch_key="shape")["ok"]
        response = raw.request("ADD_LINES", batch_key="shape", lines=[hours_line(1), line])
        assert response["error"]["code"] == "INVALID"
        assert response["error"]["message"].startswith(named.replace("lines[0]", "lines[1]"))
        assert raw.request("GET_BATCH", batch_key="shape")["data"]["received"] == 0


def _bad_lines() -> list[tuple[dict[str, Any], str]]:
    return [
        (hours_line(2, employee="9999"), "UNKNOWN_EMPLOYEE"),
        (hours_line(3, employee="1031"), "INACTIVE_EMPLOYEE"),
        (hours_line(4, project="99-999"), "UNKNOWN_PROJECT"),
        (hours_line(5, project="24-105"), "CLOSED_PROJECT"),
        (hours_line(6, activity="99-999"), "UNKNOWN_ACTIVITY"),
        (hours_line(7, trade="SOUD"), "UNKNOWN_TRADE"),
        (hours_line(8, hour_type="T3"), "UNKNOWN_HOUR_TYPE"),
        (earning_line(9, "PRIME", "amount", "10.00"), "UNKNOWN_EARNING"),
        (hours_line(10, hours="0.00"), "INVALID_HOURS"),
        (hours_line(11, hours="-1.00"), "INVALID_HOURS"),
        (hours_line(12, hours="17.00"), "INVALID_HOURS"),  # 8 + 17 > 24 on the same day
        (earning_line(13, "HAUT", "hours", "0"), "INVALID_HOURS"),
    ]


def test_atomic_commit_rejects_everything_and_lists_every_bad_line(
    simulator: RunningSimulator,
) -> None:
    bad = _bad_lines()
    with simulator.client() as client:
        client.begin_batch("atomic")
        client.add_lines("atomic", [hours_line(1)] + [line for line, _ in bad])
        result = client.commit_batch("atomic")
        assert (result.state, result.accepted) == ("rejected", 0)
        assert [(item["line"], item["code"]) for item in result.rejected] == [
            (line["line"], code) for line, code in bad
        ]
        assert all(item["message"] for item in result.rejected)
        assert "inconnu" in result.rejected[0]["message"]
        assert list(client.iter_items("timesheet_entries")) == []
        assert client.commit_batch("atomic").duplicate
        assert client.get_batch("atomic").state == "rejected"
        with pytest.raises(ServerError) as raised:
            client.add_lines("atomic", [hours_line(99)])
        assert raised.value.code == "CONFLICT"


def test_non_atomic_commit_posts_the_good_lines(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        client.begin_batch("partial")
        client.add_lines(
            "partial",
            [hours_line(1), hours_line(2, employee="9999"), hours_line(3, date="2026-11-24")],
        )
        result = client.commit_batch("partial", atomic=False)
        assert (result.state, result.accepted) == ("committed", 2)
        assert [(item["line"], item["code"]) for item in result.rejected] == [
            (2, "UNKNOWN_EMPLOYEE")
        ]
        lines = [entry["line"] for entry in client.iter_items("timesheet_entries")]
        assert lines == [1, 3]


def test_the_24_hour_limit_counts_what_is_already_posted(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        client.begin_batch("first")
        client.add_lines("first", [hours_line(1, hours="10.00"), hours_line(2, hours="6.00")])
        assert client.commit_batch("first").accepted == 2
        client.begin_batch("second")
        client.add_lines("second", [hours_line(1, hours="9.00")])
        assert client.commit_batch("second").rejected[0]["code"] == "INVALID_HOURS"
        client.begin_batch("third")
        client.add_lines("third", [hours_line(1, hours="8.00"), hours_line(2, employee="1002")])
        assert client.commit_batch("third").accepted == 2


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_posted_lines_carry_rate_and_amount(simulator: RunningSimulator) -> None:
    dataset = simulator.server.dataset
    apprentice = next(
        e
        for e in dataset.tables["employees"]
        if e["active"] and e["competency"] == "apprenti-3" and e["trade"] != "CHARP"
    )
    trades = {trade["code"]: trade for trade in dataset.tables["trades"]}
    lines = [
        hours_line(1, hours="8.00"),
        hours_line(2, hours="2.50", hour_type="T1.5", date="2026-11-24"),
        hours_line(3, hours="7.25", trade="ELEC", hour_type="T2", date="2026-11-25"),
        hours_line(4, hours="0.10", trade="MANOE", date="2026-11-26"),  # 3.625 → 3.63
        hours_line(5, employee=apprentice["number"], trade="MANOE"),  # no apprentice rate
        earning_line(6, "KM", "quantity", "42"),
        earning_line(7, "REPAS", "amount", "18.50"),
        earning_line(8, "HAUT", "hours", "3"),
        earning_line(9, "DEPL", "hours", "1.5"),
    ]
    with simulator.client() as client:
        client.begin_batch("rates")
        client.add_lines("rates", lines)
        assert client.commit_batch("rates").accepted == 9
        entries = {entry["line"]: entry for entry in client.iter_items("timesheet_entries")}
    own_rate = trades[apprentice["trade"]]["rates"]["apprenti-3"]
    assert {number: (entry["rate"], entry["amount"]) for number, entry in entries.items()} == {
        1: ("45.10", "360.80"),
        2: ("45.10", "169.13"),  # 2.5 × 45.10 × 1.5 = 169.125
        3: ("46.35", "672.08"),
        4: ("36.25", "3.63"),
        5: (own_rate, _money(Decimal(own_rate) * 8)),
        6: ("0.58", "24.36"),
        7: (None, "18.50"),
        8: ("2.50", "7.50"),
        9: ("45.10", "67.65"),
    }
    assert {entry["batch"] for entry in entries.values()} == {"TS-000001"}


def test_add_lines_chunks_to_fit_a_small_buffer(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(buffer=1500)
    lines = [
        hours_line(number, hours="0.25", date=f"2026-11-{1 + number % 28:02d}")
        for number in range(1, 61)
    ]
    expected_frames = len(list(chunk_lines("small", lines, 1500)))
    assert expected_frames > 3
    with simulator.client() as client:
        client.begin_batch("small")
        before = client.round_trips
        assert client.add_lines("small", lines) == 60
        assert client.round_trips - before == expected_frames
        assert client.commit_batch("small").accepted == 60


def test_a_line_too_large_for_any_frame_is_refused_before_sending(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(buffer=400)
    with simulator.client() as client:
        client.begin_batch("huge")
        before = client.round_trips
        with pytest.raises(LineTooLargeError) as raised:
            client.add_lines("huge", [hours_line(1), hours_line(2, activity="x" * 400)])
        assert client.round_trips == before
        assert "2" in raised.value.message_fr and "400" in raised.value.message_en


def test_state_survives_a_restart(make_simulator, tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "simulator.json"
    first: RunningSimulator = make_simulator(state_file=state_file)
    with first.client() as client:
        client.begin_batch("kept")
        client.add_lines("kept", [hours_line(1), hours_line(2, date="2026-11-24")])
        committed = client.commit_batch("kept")
        client.begin_batch("still-open")
        client.add_lines("still-open", [hours_line(1, date="2026-11-25")])
    first.server.stop()
    assert state_file.exists() and not list(state_file.parent.glob("*.tmp"))

    second: RunningSimulator = make_simulator(
        state_file=state_file, user=first.user, password=first.password, key=first.key
    )
    with second.client() as client:
        again = client.commit_batch("kept")
        assert again.duplicate and again.batch == committed.batch
        assert client.get_batch("still-open").received == 1
        assert [entry["line"] for entry in client.iter_items("timesheet_entries")] == [1, 2]
        assert client.begin_batch("new").batch == "TS-000003"
        client.add_lines("still-open", [hours_line(2, date="2026-11-25", hours="17.00")])
        assert client.commit_batch("still-open").rejected[0]["code"] == "INVALID_HOURS"


def test_open_batches_are_discarded_after_their_time(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(open_batch_ttl=0.2)
    with simulator.client() as client:
        client.begin_batch("forgotten")
        client.begin_batch("committed")
        client.commit_batch("committed")
        time.sleep(0.3)
        with pytest.raises(ServerError) as raised:
            client.get_batch("forgotten")
        assert raised.value.code == "NOT_FOUND"
        assert client.get_batch("committed").state == "committed"
