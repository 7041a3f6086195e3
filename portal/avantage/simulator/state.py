"""Batches and posted timesheet entries, kept in a JSON file across restarts when asked."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.avantage.protocol import ErrorCode
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.posting import DayHours, check_line_shape, evaluate_lines
from portal.avantage.simulator.request import RequestError
from portal.avantage.simulator.table import RecordTable, format_timestamp

STATE_FORMAT = 1


@dataclass
class Batch:
    """One batch: its lines by number and, once committed or rejected, its result."""

    key: str
    number: str
    created_at: float
    state: str = "open"
    lines: dict[int, dict[str, Any]] = field(default_factory=dict)
    result: dict[str, Any] | None = None

    def data(self, duplicate: bool = False) -> dict[str, Any]:
        """The COMMIT_BATCH / GET_BATCH data shape, plus ``received``."""
        result = self.result or {
            "batch": self.number,
            "state": self.state,
            "accepted": 0,
            "rejected": [],
        }
        return {**result, "duplicate": duplicate, "received": len(self.lines)}


class SimulatorState:
    """What Timesheet management holds: batches, posted entries and the batch counter."""

    def __init__(self, path: Path | None, open_batch_ttl: float) -> None:
        self.path = path
        self.open_batch_ttl = open_batch_ttl
        self.batch_counter = 0
        self.batches: dict[str, Batch] = {}
        #: Posted lines, listed as ``timesheet_entries``, by their ``entry`` id.
        self.entries = RecordTable(lambda entry: entry["entry"])
        #: The last ``entry`` id given: ids are never reused, even after a deletion.
        self.entry_counter = 0
        self._day_hours: DayHours = {}
        #: (batch number, line) → the entry that committed line posted (what reversals name).
        self._by_origin: dict[tuple[str, int], int] = {}
        #: The state file's modification time as this process last wrote or read it.
        self._file_mtime: float | None = None
        if path is not None and path.exists():
            self._load(path)

    def begin(self, key: str) -> Batch:
        """The batch for ``key``, created open with the next number if new."""
        self._discard_stale_batches()
        batch = self.batches.get(key)
        if batch is None:
            self.batch_counter += 1
            batch = Batch(key, f"TS-{self.batch_counter:06d}", time.time())
            self.batches[key] = batch
            self.save()
        return batch

    def batch(self, key: str) -> Batch:
        """The batch for ``key``; NOT_FOUND when it was never begun (or was discarded)."""
        self._discard_stale_batches()
        batch = self.batches.get(key)
        if batch is None:
            raise RequestError(ErrorCode.NOT_FOUND, f"batch_key: no batch {key!r}")
        return batch

    def add_lines(self, batch: Batch, lines: list[Any], dataset: Dataset, *, reversal: bool) -> int:
        """Check every line, then store those whose number is new; the count of distinct lines.
        ``reversal``: whether the server announces reversal lines."""
        if batch.state != "open":
            raise RequestError(
                ErrorCode.CONFLICT, f"batch_key: batch {batch.number} is already {batch.state}"
            )
        numbers = [
            check_line_shape(index, line, dataset, reversal=reversal)
            for index, line in enumerate(lines)
        ]
        new_lines = {
            n: line for n, line in zip(numbers, lines, strict=True) if n not in batch.lines
        }
        if new_lines:
            for number, line in new_lines.items():
                batch.lines.setdefault(number, line)
            self.save()
        return len(batch.lines)

    def commit(self, batch: Batch, atomic: bool, dataset: Dataset) -> dict[str, Any]:
        """Post the batch (all or nothing when ``atomic``); a second commit is a duplicate."""
        if batch.result is not None:
            return batch.data(duplicate=True)
        lines = [batch.lines[number] for number in sorted(batch.lines)]
        accepted, rejected = evaluate_lines(lines, dataset, self._day_hours, self.original)
        if atomic and rejected:
            accepted = []
        batch.state = "rejected" if atomic and rejected else "committed"
        now = format_timestamp(time.time())
        for entry in accepted:
            self.post({**entry, "batch": batch.number, "updated_at": now})
            if entry.get("reverses"):
                original = self.original(entry["reverses"]["batch"], entry["reverses"]["line"])
                original["reversed_by"] = {"batch": batch.number, "line": entry["line"]}
        batch.result = {
            "batch": batch.number,
            "state": batch.state,
            "accepted": len(accepted),
            "rejected": rejected,
        }
        self.save()
        return batch.data()

    def post(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Enter ``entry`` in Timesheet management (a new ``entry`` id if it has none)."""
        if entry.get("entry") is None:
            self.entry_counter += 1
            entry = {"entry": self.entry_counter, **entry}
        else:
            self.entry_counter = max(self.entry_counter, entry["entry"])
        self.entries.add(entry)
        self._count_hours(entry, 1)
        if entry.get("batch") is not None and entry.get("line") is not None:
            self._by_origin[(entry["batch"], entry["line"])] = entry["entry"]
        return entry

    def unpost(self, entry_id: int) -> dict[str, Any]:
        """Take an entry out of Timesheet management (KeyError when there is none)."""
        entry = self.entries.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        self.entries.remove(entry_id)
        self._count_hours(entry, -1)
        self._by_origin.pop((entry.get("batch"), entry.get("line")), None)
        return entry

    def original(self, batch_number: str, line: int) -> dict[str, Any] | None:
        """The entry line ``line`` of committed batch ``batch_number`` put in Timesheet
        management, unless it was deleted there since."""
        entry_id = self._by_origin.get((batch_number, line))
        return None if entry_id is None else self.entries.get(entry_id)

    def _count_hours(self, entry: dict[str, Any], sign: int) -> None:
        if entry["kind"] == "hours":
            day = (entry["employee"], entry["date"])
            hours = Decimal(entry["hours"]) * sign
            self._day_hours[day] = self._day_hours.get(day, Decimal(0)) + hours

    @property
    def day_hours(self) -> DayHours:
        return self._day_hours

    def refresh(self) -> None:
        """Read the state file again when another process (the office command) changed it."""
        if self.path is None or not self.path.exists():
            return
        if self.path.stat().st_mtime != self._file_mtime:
            self.batches, self.entries, self._day_hours = {}, RecordTable(self.entries.key_of), {}
            self._by_origin = {}
            self._load(self.path)

    def _discard_stale_batches(self) -> None:
        oldest = time.time() - self.open_batch_ttl
        stale = [
            key
            for key, batch in self.batches.items()
            if batch.state == "open" and batch.created_at < oldest
        ]
        for key in stale:
            del self.batches[key]
        if stale:
            self.save()

    def save(self) -> None:
        """Write the state file atomically (temporary file, then rename), if there is one."""
        if self.path is None:
            return
        document = {
            "format": STATE_FORMAT,
            "batch_counter": self.batch_counter,
            "batches": [
                {**asdict(batch), "lines": list(batch.lines.values())}
                for batch in self.batches.values()
            ],
            "entries": list(self.entries),
            "entry_counter": self.entry_counter,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=self.path.parent,
            prefix=f".{self.path.name}.",
            suffix=".tmp",
            delete=False,
        ) as handle:
            json.dump(document, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, self.path)
        self._file_mtime = self.path.stat().st_mtime

    def _load(self, path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != STATE_FORMAT:
            raise ValueError(f"{path}: unknown simulator state format")
        self.batch_counter = document["batch_counter"]
        for saved in document["batches"]:
            lines = {line["line"]: line for line in saved.pop("lines")}
            self.batches[saved["key"]] = Batch(**saved, lines=lines)
        # A file of before entry ids: its entries get them in their order.
        for entry in document["entries"]:
            self.post(entry)
        self.entry_counter = max(self.entry_counter, document.get("entry_counter", 0))
        self._file_mtime = path.stat().st_mtime
