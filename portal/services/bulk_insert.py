"""Inserting tens of thousands of rows at once (an export batch's lines, a sync's new
employees, records and links).

On PostgreSQL, ``COPY … FROM STDIN`` takes 20,000 export lines in about a third of the time
of the driver's pipelined executemany (one INSERT per row on the server). On SQLite one
executemany is the fast path, given its rows already bound: through ``table.insert()``
SQLAlchemy builds an execution context per row to run the columns' defaults, which took a
third of an Employés sync's time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.models import db
from portal.models.base import utcnow


def insert_rows(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's
    transaction, as ``table.insert()`` would: the columns a row leaves out get their
    Python-side default (scalars and callables, which read the row as an INSERT's context
    would), then each value goes through its column type's bind processing (JSON
    serialized, dates converted)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    binders = [(name, _processor(table.c[name].type, dialect)) for name in names]
    bound = (
        [process(row[name]) if process else row[name] for name, process in binders] for row in rows
    )
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for values in bound:
                copy.write_row(values)
        return
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(
        f"INSERT INTO {target} ({columns}) VALUES ({placeholders})", [tuple(v) for v in bound]
    )


def insert_missing(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows``, skipping each one a unique constraint already holds (another
    transaction may have added it since this one read the table)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


class _InsertedRow:
    """What a column default's callable reads of the row being inserted (the part of
    SQLAlchemy's execution context that the models' defaults use)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self.row


def _with_defaults(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the Python-side default of each column they leave out; a default
    that only SQL computes (``func.now()``) is refused: give the value.

    The clock (a ``utcnow`` default) is read once for all the rows: they are one statement,
    and SQL's ``now()`` also gives every row of a statement the same time."""
    missing = [
        column
        for column in table.columns
        if column.default is not None and column.name not in rows[0]
    ]
    for column in missing:
        if not (column.default.is_scalar or column.default.is_callable):
            raise ValueError(f"{table.name}.{column.name}: give its value, rows are bound here")
    if not missing:
        return rows
    shared = {
        column.name: column.default.arg if column.default.is_scalar else utcnow()
        for column in missing
        if column.default.is_scalar or _reads_the_clock(column.default.arg)
    }
    per_row = [column for column in missing if column.name not in shared]
    completed = []
    for row in rows:
        row = {**row, **shared}
        context = _InsertedRow(row)
        for column in per_row:
            row[column.name] = column.default.arg(context)
        completed.append(row)
    return completed


def _reads_the_clock(default: Callable) -> bool:
    """Whether a column default is ``utcnow`` (SQLAlchemy keeps a function that takes no
    context as ``__wrapped__``)."""
    return getattr(default, "__wrapped__", None) is utcnow


def _last_kept(process: Callable) -> Callable:
    """``process`` remembering its last value: rows that share a value (one time for the
    whole insert, one company) convert it once."""
    last: list[Any] = [object(), None]

    def bind(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return bind


def _processor(column_type: sa.types.TypeEngine, dialect: sa.Dialect) -> Callable | None:
    """How a value of ``column_type`` is written: JSON as its text (the engine's default
    serializer; None as SQL NULL), the others as the type's own bind processing does it."""
    if isinstance(column_type, sa.JSON):
        return lambda value: None if value is None else json.dumps(value)
    process = column_type.bind_processor(dialect)
    return process and _last_kept(process)
