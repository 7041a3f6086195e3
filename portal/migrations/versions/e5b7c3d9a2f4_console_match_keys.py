"""console match keys: the consoles pair, filter and count their rows in SQL

Each portal record a sync matches on a code or number keeps that code normalised
(``match_key``: trimmed, case-folded, an employee number without its leading zeros), and so
does each cached Avantage record, with the folded text a console search reads
(``search_text``: its key and listed values). Both are filled here for existing rows and indexed, so a console page no
longer loads the whole section.

Revision ID: e5b7c3d9a2f4
Revises: d7e4a2c9f1b3
Create Date: 2026-12-03 13:30:00

"""

import sqlalchemy as sa
from alembic import op

from portal.services.folding import fold
from portal.services.text import normalise_code, normalise_employee_number

# revision identifiers, used by Alembic.
revision = "e5b7c3d9a2f4"
down_revision = "d7e4a2c9f1b3"
branch_labels = None
depends_on = None

#: table, the column its key is made of, how it is normalised, the key's length: three times
#: the column's, since case folding may lengthen a letter (« ß » → « ss »).
LOCAL_KEYS = (
    ("user", "employee_number", normalise_employee_number, 60),
    ("trade", "code", normalise_code, 60),
    ("hour_type", "code", normalise_code, 60),
    ("expense_type", "code", normalise_code, 60),
    ("project", "number", normalise_code, 90),
)
#: The same for Avantage's keys (120 characters).
REMOTE_KEY_LENGTH = 360
#: How much of a record's listed values a console search reads.
SEARCH_TEXT_LENGTH = 2_000


def _remote_match_key(entity, key):
    if entity == "employees":
        return normalise_employee_number(key)
    if entity == "activities":
        return normalise_code(key.split("|", 1)[-1])
    return normalise_code(key)


def _search_text(key, data):
    values = [str(value) for value in (data or {}).values() if value not in (None, "")]
    return fold(" ".join([key, *values]))[:SEARCH_TEXT_LENGTH]


def _add(table, column, column_type, sqlite):
    # No batch mode: SQLite would rebuild the table, and dropping "user" with foreign keys on
    # deletes its timesheets. SQLite adds a NOT NULL column only with a default, so there it
    # keeps an empty one that nothing relies on (the models always give a value).
    op.add_column(
        table,
        sa.Column(column, column_type, nullable=not sqlite, server_default="" if sqlite else None),
    )


def _not_null(table, column, column_type, sqlite):
    if not sqlite:
        op.alter_column(table, column, existing_type=column_type, nullable=False)


def _update(table, rows):
    """UPDATE each row's ``new_<column>`` values (bound under another name than the column's,
    which an executemany UPDATE needs)."""
    if rows:
        columns = [name.removeprefix("new_") for name in rows[0] if name != "row_id"]
        op.get_bind().execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(f"new_{name}") for name in columns}),
            rows,
        )


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for table_name, source, normalise, length in LOCAL_KEYS:
        _add(table_name, "match_key", sa.String(length), sqlite)
        table = sa.table(table_name, sa.column("id"), sa.column(source), sa.column("match_key"))
        _update(
            table,
            [
                {"row_id": row_id, "new_match_key": normalise(value)}
                for row_id, value in bind.execute(sa.select(table.c.id, table.c[source]))
            ],
        )
        _not_null(table_name, "match_key", sa.String(length), sqlite)
        op.create_index(
            f"ix_{table_name}_company_id_match_key", table_name, ["company_id", "match_key"]
        )

    _add("remote_record", "match_key", sa.String(REMOTE_KEY_LENGTH), sqlite)
    _add("remote_record", "search_text", sa.Text(), sqlite)
    records = sa.table(
        "remote_record",
        sa.column("id"),
        sa.column("entity"),
        sa.column("key"),
        sa.column("data", sa.JSON),
        sa.column("match_key"),
        sa.column("search_text"),
    )
    query = sa.select(records.c.id, records.c.entity, records.c.key, records.c.data)
    _update(
        records,
        [
            {
                "row_id": row_id,
                "new_match_key": _remote_match_key(entity, key),
                "new_search_text": _search_text(key, data),
            }
            for row_id, entity, key, data in bind.execute(query)
        ],
    )
    _not_null("remote_record", "match_key", sa.String(REMOTE_KEY_LENGTH), sqlite)
    _not_null("remote_record", "search_text", sa.Text(), sqlite)
    op.drop_index("ix_remote_record_lookup", table_name="remote_record")
    op.create_index(
        "ix_remote_record_match",
        "remote_record",
        ["integration_id", "entity", "scope", "match_key", "key"],
    )


def downgrade():
    op.drop_index("ix_remote_record_match", table_name="remote_record")
    op.create_index(
        "ix_remote_record_lookup", "remote_record", ["integration_id", "entity", "scope"]
    )
    op.drop_column("remote_record", "search_text")
    op.drop_column("remote_record", "match_key")
    for table_name, _source, _normalise, _length in reversed(LOCAL_KEYS):
        op.drop_index(f"ix_{table_name}_company_id_match_key", table_name=table_name)
        op.drop_column(table_name, "match_key")
