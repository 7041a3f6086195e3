"""``portal avantage-sim-office``: play the office working directly in Avantage, on the state
file of a simulator (``avantage-sim --state FILE``), which reads it again at its next request.

Give it the same ``--seed`` and data sizes as the simulator: hour types, activities and rates
come from that data set."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from portal.avantage.simulator import office
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.state import SimulatorState


def _state_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--state",
                "state_file",
                type=click.Path(path_type=Path, dir_okay=False),
                required=True,
                help="The simulator's state file.",
            ),
            click.option("--seed", type=int, default=1, show_default=True),
            click.option("--employees", type=int, default=120, show_default=True),
            click.option("--projects", type=int, default=12, show_default=True),
            click.option("--activities", type=int, default=8, show_default=True),
        ]
    ):
        command = option(command)
    return command


def _open(state_file: Path, seed: int, **sizes: int) -> tuple[SimulatorState, Dataset]:
    return SimulatorState(state_file, open_batch_ttl=24 * 3600.0), Dataset(seed, **sizes)


def _done(entry: dict[str, Any]) -> None:
    click.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))


@click.group("avantage-sim-office")
def office_cli() -> None:
    """Change, delete or key by hand an entry of the simulator's Timesheet management."""


@office_cli.command("change")
@click.argument("entry", type=int)
@click.option("--hours", default=None, help="New hours, e.g. 6.50.")
@click.option("--hour-type", default=None, help="New hour type code, e.g. T1.5.")
@click.option("--activity", default=None, help="New activity code of the same project.")
@_state_options
def change_command(entry: int, hours, hour_type, activity, state_file, seed, **sizes) -> None:
    """Change an hours entry (it keeps its batch and line, and gets a new updated_at)."""
    state, dataset = _open(state_file, seed, **sizes)
    try:
        _done(
            office.change_entry(
                state, dataset, entry, hours=hours, hour_type=hour_type, activity=activity
            )
        )
    except office.OfficeError as error:
        raise click.ClickException(str(error)) from None


@office_cli.command("delete")
@click.argument("entry", type=int)
@_state_options
def delete_command(entry: int, state_file, seed, **sizes) -> None:
    """Delete an entry (no longer listed)."""
    state, _dataset = _open(state_file, seed, **sizes)
    try:
        _done(office.delete_entry(state, entry))
    except office.OfficeError as error:
        raise click.ClickException(str(error)) from None


@office_cli.command("add")
@click.option("--employee", required=True)
@click.option("--date", "day", required=True, help="YYYY-MM-DD")
@click.option("--project", required=True)
@click.option("--activity", required=True)
@click.option("--trade", required=True)
@click.option("--hour-type", default="REG", show_default=True)
@click.option("--hours", required=True)
@_state_options
def add_command(
    employee, day, project, activity, trade, hour_type, hours, state_file, seed, **sizes
) -> None:
    """Key an hours entry by hand (batch and line null)."""
    state, dataset = _open(state_file, seed, **sizes)
    line = {
        "kind": "hours",
        "employee": employee,
        "date": day,
        "project": project,
        "activity": activity,
        "trade": trade,
        "hour_type": hour_type,
        "hours": hours,
    }
    try:
        _done(office.key_entry(state, dataset, line))
    except office.OfficeError as error:
        raise click.ClickException(str(error)) from None
