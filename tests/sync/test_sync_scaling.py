"""The Employés sync stays linear: each page's lookups read the page's rows, not the table.

The per-page lookups of a real run are captured as they are sent, then explained: on SQLite
every table access of theirs must be an index SEARCH; on PostgreSQL ``EXPLAIN (ANALYZE)``
counts the rows each one reads, with sequential scans priced out so that the count depends
on the indexes only (the planner may rightly prefer a scan of a small table, and does so
up to some 50,000 people: see bench/sync_employees.py).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import RunStatus, SyncSection

#: The statements a page of the Employés sync sends whose cost could grow with the table.
LOOKUPS = ("SELECT user.employee_number, user.id ", "SELECT lower(user.email) ")
PAGE = 500
EMPLOYEES = 1_200  # three pages


@pytest.fixture
def page_lookups(app, connect, sync_now, make_simulator):
    """The lookups (statement, parameters) of an Employés run into an empty company."""
    app.config["SYNC_PAGE_SIZE"] = PAGE
    simulator = make_simulator(employees=EMPLOYEES)
    integration = connect(simulator)
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if _kind(statement) is not None:
            sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run = sync_now(integration, SyncSection.EMPLOYEES)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.created > 1_000
    return sent


def _kind(statement: str) -> str | None:
    """Which of LOOKUPS ``statement`` is (quotes and layout as each dialect renders them)."""
    plain = " ".join(statement.replace('"', "").split())
    return next((lookup for lookup in LOOKUPS if plain.startswith(lookup)), None)


def _first_value_only(parameters: dict) -> dict:
    """The lookup of the first value of its list only (on PostgreSQL, one array parameter)."""
    lists = [name for name, value in parameters.items() if isinstance(value, list)]
    assert len(lists) == 1, parameters
    return {**parameters, lists[0]: parameters[lists[0]][:1]}


def _rows_read(node: dict) -> int:
    """Rows a PostgreSQL plan node and its children read from tables and indexes."""
    rows = 0
    if node["Node Type"] in ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Index Scan"):
        read = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        rows += read * node.get("Actual Loops", 1)
    return rows + sum(_rows_read(child) for child in node.get("Plans", []))


def test_each_page_lookup_reads_only_its_page(page_lookups):
    # Both lookups on each of the three pages (the first page's admin has an e-mail too).
    kinds = [_kind(statement) for statement, _ in page_lookups]
    assert sorted(kinds) == sorted(LOOKUPS * 3)
    connection = db.session.connection()
    cursor = connection.connection.cursor()
    users = connection.execute(sa.text('SELECT count(*) FROM "user"')).scalar_one()
    assert users > EMPLOYEES - 200  # the lookups below ran against the whole workforce
    for statement, parameters in page_lookups:
        if connection.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            accesses = [row[3] for row in cursor.fetchall() if "user" in row[3]]
            assert accesses and all(detail.startswith("SEARCH") for detail in accesses), accesses
        else:
            first = _first_value_only(parameters)
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", first)
            plan = cursor.fetchone()[0][0]["Plan"]
            assert _rows_read(plan) <= 2, (statement[:60], plan)
    cursor.close()
    db.session.rollback()
