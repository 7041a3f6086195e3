"""RecordTable: records in a stable order, addressable by key, paged by position."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterator
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Matcher = Callable[[Record, float], bool]


def parse_timestamp(text: str) -> float:
    """An ISO-8601 timestamp (``Z`` or offset; naive means UTC) → POSIX seconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_timestamp(seconds: float) -> str:
    """POSIX seconds → ``2026-03-14T09:30:00Z`` (microseconds only when there are some)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


class RecordTable:
    """Append-ordered records; every record keeps the position it got when added.

    Positions never move, so a cursor holding "after position P" stays correct while
    records are touched, added or removed.
    """

    def __init__(self, key_of: Callable[[Record], Hashable]) -> None:
        self.key_of = key_of
        self._positions: list[int] = []
        self._rows: dict[int, tuple[Record, float]] = {}
        self._position_of: dict[Hashable, int] = {}
        self._next_position = 1
        #: Changes on every mutation; lets callers cache counts.
        self.version = 0

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[Record]:
        return (self._rows[position][0] for position in self._positions)

    def get(self, key: Hashable) -> Record | None:
        """The record with ``key``, or None."""
        position = self._position_of.get(key)
        return None if position is None else self._rows[position][0]

    def add(self, record: Record) -> None:
        """Append a record (or replace the one with the same key, keeping its position)."""
        key = self.key_of(record)
        position = self._position_of.get(key)
        if position is None:
            position = self._next_position
            self._next_position += 1
            self._positions.append(position)
            self._position_of[key] = position
        self._rows[position] = (record, parse_timestamp(record["updated_at"]))
        self.version += 1

    def remove(self, key: Hashable) -> None:
        """Remove the record with ``key``; KeyError when there is none."""
        position = self._position_of.pop(key)
        del self._rows[position]
        del self._positions[bisect.bisect_left(self._positions, position)]
        self.version += 1

    def page(
        self, after: int, limit: int, matcher: Matcher | None
    ) -> tuple[list[Record], int, bool]:
        """Up to ``limit`` matching records after position ``after``: (records, last, more?)."""
        start = bisect.bisect_right(self._positions, after)
        if matcher is None:
            positions = self._positions[start : start + limit]
            records = [self._rows[position][0] for position in positions]
            last = positions[-1] if positions else after
            return records, last, start + limit < len(self._positions)
        records, last = [], after
        for index in range(start, len(self._positions)):
            record, updated = self._rows[self._positions[index]]
            if matcher(record, updated):
                if len(records) == limit:
                    return records, last, True
                records.append(record)
                last = self._positions[index]
        return records, last, False

    def count(self, matcher: Matcher | None) -> int:
        """How many records match."""
        if matcher is None:
            return len(self._positions)
        return sum(1 for record, updated in self._rows.values() if matcher(record, updated))
