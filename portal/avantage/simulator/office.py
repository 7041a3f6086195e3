"""The office working directly in Avantage: change an entry of Timesheet management (hours,
hour type, activity), delete one, or key one by hand, as a payroll clerk would in Avantage
itself. Tests call these on a running simulator's state; ``portal avantage-sim-office`` calls
them on a state file, which a running simulator reads again at its next request."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from portal.avantage.protocol import format_decimal, parse_decimal
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.posting import LineRejected, price_line
from portal.avantage.simulator.state import SimulatorState
from portal.avantage.simulator.table import format_timestamp


class OfficeError(ValueError):
    """What the office asked cannot be done (unknown entry, hour type or activity, bad hours)."""


def _entry(state: SimulatorState, entry_id: int) -> dict[str, Any]:
    entry = state.entries.get(entry_id)
    if entry is None:
        raise OfficeError(f"no entry {entry_id} in Timesheet management")
    return entry


def _now() -> str:
    return format_timestamp(time.time())


def change_entry(
    state: SimulatorState,
    dataset: Dataset,
    entry_id: int,
    *,
    hours: str | None = None,
    hour_type: str | None = None,
    activity: str | None = None,
) -> dict[str, Any]:
    """Change an hours entry in place: it keeps its ``entry``, ``batch`` and ``line``, gets a
    new ``updated_at``, and its amount follows (hours × its rate × the hour type's multiplier)."""
    entry = _entry(state, entry_id)
    if entry["kind"] != "hours":
        raise OfficeError(f"entry {entry_id} is not an hours entry")
    changed = dict(entry)
    with dataset.lock:
        if activity is not None:
            if dataset.get("activities", (entry["project"], activity)) is None:
                raise OfficeError(f"no activity {activity} in project {entry['project']}")
            changed["activity"] = activity
        if hour_type is not None:
            if dataset.get("hour_types", hour_type) is None:
                raise OfficeError(f"no hour type {hour_type}")
            changed["hour_type"] = hour_type
        if hours is not None:
            try:
                value = parse_decimal(hours)
            except ValueError:
                value = Decimal(0)
            if value <= 0:
                raise OfficeError(f"hours must be a positive decimal, not {hours!r}")
            changed["hours"] = format_decimal(value)
        multiplier = Decimal(dataset.get("hour_types", changed["hour_type"])["multiplier"])
    amount = Decimal(changed["hours"]) * Decimal(changed["rate"]) * multiplier
    changed.update(amount=format_decimal(amount), updated_at=_now())
    state.unpost(entry_id)
    state.post(changed)
    state.save()
    return changed


def delete_entry(state: SimulatorState, entry_id: int) -> dict[str, Any]:
    """Delete an entry: it is no longer listed (its id is never given again)."""
    _entry(state, entry_id)
    deleted = state.unpost(entry_id)
    state.save()
    return deleted


def key_entry(state: SimulatorState, dataset: Dataset, line: dict[str, Any]) -> dict[str, Any]:
    """Key an hours or earning entry by hand: priced as a posted line would be, with ``batch``
    and ``line`` null."""
    fields = {**line, "line": None}
    try:
        with dataset.lock:
            priced = price_line(fields, dataset, dict(state.day_hours))
    except LineRejected as rejection:
        raise OfficeError(rejection.message) from None
    except (KeyError, ValueError) as wrong:
        raise OfficeError(f"missing or unreadable field: {wrong}") from None
    entry = state.post({**priced, "batch": None, "updated_at": _now()})
    state.save()
    return entry
