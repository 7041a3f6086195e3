"""Reversal lines (feature ``reversal``): the greeting, the shape, UNKNOWN_ENTRY and
ALREADY_REVERSED, the 24-hour rule on net hours, idempotency, and a restart; a server
without the feature, and the client that refuses to send it any."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from portal.avantage import ReversalNotSupportedError
from portal.avantage.simulator.office import delete_entry
from tests.avantage.test_batches import DAY, earning_line, hours_line
from tests.simulator_fixtures import RunningSimulator


def reversal(number: int, batch: str, reverses: int, **changes: Any) -> dict[str, Any]:
    return {"line": number, "kind": "reversal", "batch": batch, "reverses": reverses, **changes}


def send(simulator: RunningSimulator, key: str, lines: list[dict]) -> Any:
    with simulator.client() as client:
        client.begin_batch(key)
        client.add_lines(key, lines)
        return client.commit_batch(key)


def entries(simulator: RunningSimulator, **filters: Any) -> list[dict]:
    with simulator.client() as client:
        return list(client.iter_items("timesheet_entries", **filters))


def net_hours(simulator: RunningSimulator, day: str = DAY) -> Decimal:
    return sum(
        (
            Decimal(e["hours"])
            for e in entries(simulator)
            if e["kind"] == "hours" and e["date"] == day
        ),
        Decimal(0),
    )


def test_a_correction_reverses_the_old_line_and_adds_the_new_one_atomically(simulator):
    with simulator.client() as client:
        client.ping()
        assert client.supports_reversal and "features=reversal" in client.greeting.to_line()
    original = send(simulator, "paie-1", [hours_line(1), earning_line(2, "KM", "quantity", "42")])
    assert (original.state, original.accepted) == ("committed", 2)

    correction = send(
        simulator,
        "paie-1-r1",
        [
            reversal(1, original.batch, 1),
            reversal(2, original.batch, 2),
            hours_line(3, hours="7.50"),
        ],
    )
    assert (correction.state, correction.accepted, correction.rejected) == ("committed", 3, [])
    assert net_hours(simulator) == Decimal("7.50")
    by_origin = {(e["batch"], e["line"]): e for e in entries(simulator)}
    first, km = by_origin[(original.batch, 1)], by_origin[(original.batch, 2)]
    assert first["reversed_by"] == {"batch": correction.batch, "line": 1}
    cancelled = by_origin[(correction.batch, 1)]
    assert cancelled["reverses"] == {"batch": original.batch, "line": 1}
    assert (cancelled["kind"], cancelled["hours"], cancelled["rate"]) == (
        "hours",
        "-8.00",
        first["rate"],
    )
    assert Decimal(cancelled["amount"]) == -Decimal(first["amount"])
    km_back = by_origin[(correction.batch, 2)]
    assert (km_back["kind"], km_back["quantity"]) == ("earning", "-42")
    assert Decimal(km_back["amount"]) + Decimal(km["amount"]) == 0
    # The batch filter lists what the correction put in Timesheet management.
    assert len(entries(simulator, batch=correction.batch)) == 3

    # Idempotent by batch key: committing again changes nothing.
    with simulator.client() as client:
        again = client.commit_batch("paie-1-r1")
    assert again.duplicate and net_hours(simulator) == Decimal("7.50")


def test_what_cannot_be_reversed_is_rejected_with_its_code(simulator):
    original = send(simulator, "paie-2", [hours_line(1), hours_line(2, date="2026-11-24")])
    rejected = send(simulator, "paie-2-bad", [hours_line(1, employee="9999")])
    assert rejected.state == "rejected"
    send(simulator, "paie-2-r1", [reversal(1, original.batch, 1)])

    def codes(key: str, lines: list[dict]) -> list[str]:
        result = send(simulator, key, lines)
        assert result.state == "rejected"  # atomic: nothing of it enters
        return [rejection["code"] for rejection in result.rejected]

    assert codes("again", [reversal(1, original.batch, 1)]) == ["ALREADY_REVERSED"]
    assert codes("twice", [reversal(1, original.batch, 2), reversal(2, original.batch, 2)]) == [
        "ALREADY_REVERSED"
    ]
    assert codes("no-line", [reversal(1, original.batch, 99)]) == ["UNKNOWN_ENTRY"]
    assert codes("no-batch", [reversal(1, "TS-999999", 1)]) == ["UNKNOWN_ENTRY"]
    assert codes("rejected-batch", [reversal(1, rejected.batch, 1)]) == ["UNKNOWN_ENTRY"]
    second = next(e for e in entries(simulator) if (e["batch"], e["line"]) == (original.batch, 2))
    delete_entry(simulator.server.state, second["entry"])  # the office deletes it in Avantage
    assert codes("deleted", [reversal(1, original.batch, 2)]) == ["UNKNOWN_ENTRY"]
    assert net_hours(simulator) == 0


def test_the_24_hour_rule_counts_the_net_hours_after_the_batchs_reversals(simulator):
    original = send(simulator, "paie-3", [hours_line(1), hours_line(2)])  # 16 h on DAY
    too_many = send(simulator, "paie-3-plus", [hours_line(1, hours="16.00")])
    assert [r["code"] for r in too_many.rejected] == ["INVALID_HOURS"]
    # The reversal is line 2, after the new line: still counted first.
    corrected = send(
        simulator, "paie-3-r1", [hours_line(1, hours="16.00"), reversal(2, original.batch, 2)]
    )
    assert (corrected.state, corrected.accepted) == ("committed", 2)
    assert net_hours(simulator) == Decimal("24.00")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (reversal(1, "TS-000001", 1, hours="8.00"), "line 1, hours"),
        ({"line": 1, "kind": "reversal", "batch": "TS-000001"}, "line 1, reverses"),
        (reversal(1, "TS-000001", "1"), "line 1, reverses"),
        (reversal(1, "", 1), "line 1, batch"),
    ],
)
def test_a_malformed_reversal_line_is_invalid_and_named(simulator, line, field):
    with simulator.raw() as raw:
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]
        raw.request("BEGIN_BATCH", batch_key="shape")
        response = raw.request("ADD_LINES", batch_key="shape", lines=[line])
    assert response["error"]["code"] == "INVALID" and field in response["error"]["message"]


def test_a_server_without_the_feature_says_so_and_the_client_sends_none(make_simulator):
    older = make_simulator(reversal=False)
    with older.client() as client:
        client.ping()
        assert not client.supports_reversal and "features" not in client.greeting.extra
        client.begin_batch("old")
        with pytest.raises(ReversalNotSupportedError) as raised:
            client.add_lines("old", [hours_line(1), reversal(2, "TS-000001", 1)])
        assert "Saisissez la correction directement dans Avantage" in raised.value.fix_fr
        assert client.get_batch("old").received == 0  # nothing was sent
    with older.raw() as raw:
        raw.request("LOGIN", user=older.user, password=older.password)
        raw.request("BEGIN_BATCH", batch_key="raw")
        response = raw.request("ADD_LINES", batch_key="raw", lines=[reversal(1, "TS-000001", 1)])
    assert response["error"]["code"] == "INVALID"
    assert 'must be "hours" or "earning"' in response["error"]["message"]


def test_reversals_survive_a_restart(make_simulator, tmp_path: Path):
    state_file = tmp_path / "simulator.json"
    first = make_simulator(state_file=state_file)
    original = send(first, "paie-4", [hours_line(1), hours_line(2, date="2026-11-24")])
    send(first, "paie-4-r1", [reversal(1, original.batch, 1)])
    first.server.stop()
    second = make_simulator(
        state_file=state_file, user=first.user, password=first.password, key=first.key
    )
    again = send(second, "paie-4-r2", [reversal(1, original.batch, 1)])
    assert [rejection["code"] for rejection in again.rejected] == ["ALREADY_REVERSED"]
    assert send(second, "paie-4-r3", [reversal(1, original.batch, 2)]).accepted == 1
