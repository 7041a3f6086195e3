"""The office working directly in Avantage (simulator): entries have Avantage's own stable id,
LIST filters them by batch, and an entry can be changed, deleted or keyed by hand — from a
test on the running simulator, or with ``portal avantage-sim-office`` on its state file, which
the running simulator reads again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.avantage.office_cli import office_cli
from portal.avantage.simulator import office
from tests.avantage.test_batches import DAY, hours_line


def _send(client, key: str, lines: list[dict]) -> str:
    batch = client.begin_batch(key).batch
    client.add_lines(key, lines)
    assert client.commit_batch(key).state == "committed"
    return batch


def test_entries_have_stable_ids_and_are_listed_per_batch(simulator) -> None:
    with simulator.client() as client:
        first = _send(client, "one", [hours_line(1), hours_line(2, date="2026-11-24")])
        second = _send(client, "two", [hours_line(1, date="2026-11-25")])
        everything = list(client.iter_items("timesheet_entries"))
        of_first = list(client.iter_items("timesheet_entries", batch=first))
        of_second = list(client.iter_items("timesheet_entries", batch=second, limit=1))
    assert [entry["entry"] for entry in everything] == [1, 2, 3]
    assert [(entry["batch"], entry["line"]) for entry in of_first] == [(first, 1), (first, 2)]
    assert [entry["entry"] for entry in of_second] == [3]


def test_the_office_changes_deletes_and_keys_entries(simulator) -> None:
    state, dataset = simulator.server.state, simulator.server.dataset
    with simulator.client() as client:
        batch = _send(client, "office", [hours_line(1), hours_line(2, date="2026-11-24")])
        [changed_entry, deleted_entry] = list(client.iter_items("timesheet_entries"))

        changed = office.change_entry(
            state, dataset, changed_entry["entry"], hours="6.00", hour_type="T1.5"
        )
        office.delete_entry(state, deleted_entry["entry"])
        keyed = office.key_entry(
            state,
            dataset,
            {**hours_line(0), "date": "2026-11-26", "hours": "2.00"},
        )
        listed = list(client.iter_items("timesheet_entries"))
        since_change = list(
            client.iter_items("timesheet_entries", since=changed_entry["updated_at"])
        )

    assert [entry["entry"] for entry in listed] == [changed_entry["entry"], keyed["entry"]]
    assert keyed["entry"] == 3  # ids are never reused
    now = listed[0]
    assert (now["batch"], now["line"], now["hours"], now["hour_type"]) == (batch, 1, "6.00", "T1.5")
    assert now["amount"] == changed["amount"] != changed_entry["amount"]
    assert {entry["entry"] for entry in since_change} == {now["entry"], keyed["entry"]}
    assert (listed[1]["batch"], listed[1]["line"]) == (None, None)
    assert float(listed[1]["amount"]) > 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, d: office.change_entry(s, d, 99, hours="1.00"), "no entry 99"),
        (lambda s, d: office.change_entry(s, d, 1, hours="-2"), "positive"),
        (lambda s, d: office.change_entry(s, d, 1, activity="99-999"), "no activity"),
        (lambda s, d: office.change_entry(s, d, 1, hour_type="T9"), "no hour type"),
        (lambda s, d: office.delete_entry(s, 42), "no entry 42"),
        (lambda s, d: office.key_entry(s, d, {**hours_line(0), "employee": "0000"}), "inconnu"),
        (lambda s, d: office.key_entry(s, d, {"kind": "hours"}), "field"),
    ],
)
def test_what_the_office_cannot_do_is_said(simulator, call, message) -> None:
    with simulator.client() as client:
        _send(client, "base", [hours_line(1)])
    with pytest.raises(office.OfficeError, match=message):
        call(simulator.server.state, simulator.server.dataset)


def test_the_command_edits_the_state_file_a_running_simulator_reads(
    make_simulator, tmp_path: Path
) -> None:
    state_file = tmp_path / "avantage.json"
    simulator = make_simulator(state_file=state_file)
    with simulator.client() as client:
        batch = _send(client, "file", [hours_line(1), hours_line(2, date="2026-11-24")])
    runner = CliRunner()
    common = ["--state", str(state_file)]

    changed = runner.invoke(office_cli, ["change", "1", "--hours", "7.25", *common])
    deleted = runner.invoke(office_cli, ["delete", "2", *common])
    added = runner.invoke(
        office_cli,
        [
            "add",
            "--employee",
            "1001",
            "--date",
            DAY,
            "--project",
            "24-101",
            "--activity",
            "03-100",
            "--trade",
            "CHARP",
            "--hours",
            "1.50",
            *common,
        ],
    )
    refused = runner.invoke(office_cli, ["delete", "2", *common])

    assert changed.exit_code == deleted.exit_code == added.exit_code == 0, changed.output
    assert json.loads(added.output)["batch"] is None
    assert refused.exit_code == 1 and "no entry 2" in refused.output
    with simulator.client() as client:
        listed = list(client.iter_items("timesheet_entries"))
    assert [(e["entry"], e["batch"], e["hours"]) for e in listed] == [
        (1, batch, "7.25"),
        (3, None, "1.50"),
    ]
