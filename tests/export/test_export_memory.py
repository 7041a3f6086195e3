"""Sending a batch reads its lines from the database a chunk at a time: the peak memory of
a send does not grow with the number of lines (it used to, by about 2 KB a line)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import timedelta
from decimal import Decimal

from portal.avantage import BatchResult, ServerError
from portal.avantage.protocol import chunk_lines, encode_json
from portal.extensions import db
from portal.models import BatchStatus, ExportBatch, HourLine, Timesheet, TimesheetStatus
from portal.services import export_batch, export_run
from tests.fixtures.export_world import MONDAY

#: Lines per query during these tests: the property is that a send holds one chunk, not the
#: batch (the default CHUNK would hold all 2,000 lines of the small batch at once).
CHUNK = 500
SHEETS = 10
SMALL, LARGE = 2_000, 8_000


class CountingAvantage:
    """Avantage as a send sees it, keeping no line: each ADD_LINES is split and encoded as
    the real client does, and the line numbers must arrive in order, each once."""

    #: An older server: no greeting kept, no reversal lines (the batch has none).
    greeting = None
    supports_reversal = False

    def __init__(self, buffer: int = 64 * 1024) -> None:
        self.buffer = buffer
        self.received = 0
        self.calls = 0

    def get_batch(self, batch_key: str) -> BatchResult:
        raise ServerError("NOT_FOUND", "unknown batch")

    def begin_batch(self, batch_key: str) -> BatchResult:
        return BatchResult(batch="AV-1", state="open")

    def add_lines(self, batch_key: str, lines) -> int:
        self.calls += 1
        for frame in chunk_lines(batch_key, list(lines), self.buffer):
            encode_json({"op": "ADD_LINES", "batch_key": batch_key, "lines": frame})
            for line in frame:
                assert line["line"] == self.received + 1
                self.received += 1
        return self.received

    def commit_batch(self, batch_key: str, atomic: bool = True) -> BatchResult:
        return BatchResult(batch="AV-1", state="committed", accepted=self.received)


def _batch(world, lines: int, first_week: int) -> ExportBatch:
    """A batch of ``SHEETS`` validated sheets holding ``lines`` hour lines in all."""
    work, employee = world.work, world.employees["1002"]
    sheets = [
        Timesheet(
            company_id=employee.company_id,
            employee=employee,
            week_start=MONDAY + timedelta(weeks=first_week + n),
            status=TimesheetStatus.VALIDATED,
        )
        for n in range(SHEETS)
    ]
    db.session.add_all(sheets)
    db.session.flush()
    db.session.execute(
        HourLine.__table__.insert(),
        [
            {
                "timesheet_id": sheets[n % SHEETS].id,
                "work_date": sheets[n % SHEETS].week_start + timedelta(days=n % 7),
                "project_id": work["project"].id,
                "activity_id": work["formwork"].id,
                "trade_id": work["trade"].id,
                "hours": Decimal("0.10"),
            }
            for n in range(lines)
        ],
    )
    batch, _ = export_batch.create_batch(
        world.admin.company_id, world.admin, world.integration, sheets, confirm_resend=False
    )
    db.session.commit()
    return batch


def _peak_of_send(batch: ExportBatch) -> int:
    """The peak bytes allocated while the batch is sent and recorded."""
    client = CountingAvantage()
    gc.collect()
    tracemalloc.start()
    try:
        export_run.send(batch, client)
        db.session.commit()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert client.received == batch.line_count
    assert client.calls == -(-batch.line_count // CHUNK)
    assert db.session.get(ExportBatch, batch.id).status == BatchStatus.COMMITTED
    return peak


def test_the_peak_memory_of_a_send_does_not_grow_with_its_lines(world, monkeypatch):
    monkeypatch.setattr(export_run, "CHUNK", CHUNK)
    warm_up, small, large = _batch(world, 50, 0), _batch(world, SMALL, 20), _batch(world, LARGE, 40)
    _peak_of_send(warm_up)  # statements compiled and cached once, outside the measure
    small_peak, large_peak = _peak_of_send(small), _peak_of_send(large)
    # Four times the lines: memory growing with the lines (2 KB a line) would add ~12 MB;
    # one chunk at a time keeps the peak within a quarter of the small batch's.
    assert large_peak < small_peak * 1.25, (small_peak, large_peak)
