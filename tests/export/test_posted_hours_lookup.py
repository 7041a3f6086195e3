"""The preflight finds the hours already sent for a day through an index, not by reading
every line ever exported (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import BatchStatus, ExportLine
from portal.services import export
from tests.fixtures.export_world import MONDAY
from tests.fixtures.preflight import mirror, selected, send


def _posted_hours_lookups(statements: list[tuple[str, object]]) -> list[tuple[str, object]]:
    plain = [
        (" ".join(statement.replace('"', "").split()), statement, p) for statement, p in statements
    ]
    return [(statement, p) for text, statement, p in plain if "export_line.employee IN" in text]


def test_the_hours_already_sent_are_read_through_the_index(world, rq):
    mirror(world)
    employee = world.employees["1002"]
    for weeks in range(3):  # committed history: the lookup must not read all of it
        sheet = world.sheet(employee, week=MONDAY - timedelta(days=7 * weeks), hours=("8.00",))
        assert send(world, sheet).status == BatchStatus.COMMITTED
    line = db.session.scalars(sa.select(ExportLine)).first()
    assert (line.employee, line.work_date) == (line.payload["employee"], line.payload["date"])

    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    next_sheet = world.sheet(employee, week=MONDAY + timedelta(days=7), hours=("8.00",))
    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert export.plan(world.integration, selected(world, next_sheet)).errors == []
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    lookups = _posted_hours_lookups(sent)
    assert len(lookups) == 1
    statement, parameters = lookups[0]
    connection = db.session.connection()
    cursor = connection.connection.cursor()
    if connection.dialect.name == "sqlite":
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        accesses = [row[3] for row in cursor.fetchall() if "export_line" in row[3]]
        assert accesses == [
            "SEARCH export_line USING INDEX ix_export_line_employee_work_date"
            " (employee=? AND work_date=?)",
            # Each line found: is it reversed by a committed batch (corrections)?
            "SEARCH export_line_1 USING INDEX ix_export_line_reverses_line_id (reverses_line_id=?)",
        ], accesses
    else:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a small table would rightly be scanned
        cursor.execute(f"EXPLAIN {statement}", parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "ix_export_line_employee_work_date" in plan, plan
    cursor.close()
    db.session.rollback()
