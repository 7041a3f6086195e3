"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""

from __future__ import annotations

import os
import warnings
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.formatting import sort_key_text
from portal.models.company import name_sort_of
from tests.fixtures.database import separate_app


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    target = sa.make_url(url).set(database="portal_migrations_test")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text('DROP DATABASE IF EXISTS "portal_migrations_test" WITH (FORCE)'))
        connection.execute(sa.text('CREATE DATABASE "portal_migrations_test"'))
    yield target.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text('DROP DATABASE IF EXISTS "portal_migrations_test" WITH (FORCE)'))
    admin.dispose()


def _differences(app) -> list:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection skips expression indexes (lower(email)) with a warning, and
        # autogenerate then cannot compare them: see _index_names.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _index_names() -> set[str]:
    """Every index of the database, read from its catalog (SQLite's reflection, hence
    autogenerate, skips expression indexes)."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.text(query)))


def test_upgrade_builds_the_models_schema_and_downgrade_undoes_it(empty_database_url, tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "SECRET_KEY": "x",
        "INSTANCE_PATH": str(tmp_path),
    }
    # separate_app gives the queue back to the session's app: a later test's worker.py
    # process must find its jobs in the session's Redis, not in this app's embedded one.
    with separate_app(config) as app:
        upgrade()
        assert _differences(app) == []
        assert "ix_user_email_lower" in _index_names()
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences(app) == []


def test_people_and_projects_already_there_get_their_sort_keys(empty_database_url, tmp_path):
    """The sort-key migration fills the keys of existing rows the way the models compute them."""
    config = {
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "SECRET_KEY": "x",
        "INSTANCE_PATH": str(tmp_path),
    }
    now = datetime.now(UTC)
    people = [("Marc", "Boucher"), ("Julie", "Bédard"), ("Luc", "Éthier"), ("Nadia", "lavoie")]
    with separate_app(config) as app:
        upgrade(revision=f"{SORT_KEYS}-1")  # the schema before the sort keys
        stamps = {"created_at": now, "updated_at": now}
        with db.engine.begin() as connection:
            connection.execute(
                _table("company", "id", "name", *stamps), {"id": 1, "name": "C", **stamps}
            )
            connection.execute(
                _table("user", *USER_COLUMNS, *stamps),
                [
                    {
                        **stamps,
                        "company_id": 1,
                        "email": f"p{n}@exemple.ca",
                        "email_is_placeholder": False,
                        "first_name": first,
                        "last_name": last,
                        "licence": "none",
                        "is_superadmin": False,
                        "timesheet_permission": "limited",
                        "active": True,
                        "login_token": f"token-{n}",
                    }
                    for n, (first, last) in enumerate(people)
                ],
            )
            connection.execute(
                _table("project", "company_id", "number", "name", "status", *stamps),
                {"company_id": 1, "number": "ex-900", "name": "Entrepôt", "status": "active"}
                | stamps,
            )
        upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(
                sa.text('SELECT first_name, last_name, name_sort FROM "user"')
            )
            assert all(key == name_sort_of(first, last) for first, last, key in keys)
            label = connection.execute(sa.text("SELECT label_sort FROM project")).scalar_one()
            assert label == sort_key_text("ex-900 Entrepôt")
        assert _differences(app) == []


#: The migration that adds User.name_sort and Project.label_sort.
SORT_KEYS = "c3d1f0a7b9e2"
#: The columns of "user" an insert must give before the sort keys (no server defaults).
USER_COLUMNS = (
    "company_id",
    "email",
    "email_is_placeholder",
    "first_name",
    "last_name",
    "licence",
    "is_superadmin",
    "timesheet_permission",
    "active",
    "login_token",
)


def _table(name: str, *columns: str) -> sa.Insert:
    return sa.insert(sa.table(name, *map(sa.column, columns)))


def _company(connection: sa.Connection, stamps: dict) -> None:
    connection.execute(_table("company", "id", "name", *stamps), {"id": 1, "name": "C", **stamps})


def _person(connection: sa.Connection, stamps: dict, **columns) -> None:
    """One person of company 1 (with its sort key: for revisions after the sort keys)."""
    row = {
        **stamps,
        "company_id": 1,
        "email": "p@exemple.ca",
        "email_is_placeholder": False,
        "first_name": "Josée",
        "last_name": "Côté",
        "licence": "none",
        "is_superadmin": False,
        "timesheet_permission": "limited",
        "active": True,
        "login_token": "token",
        "name_sort": name_sort_of("Josée", "Côté"),
        **columns,
    }
    connection.execute(_table("user", *row), row)


def _integration(connection: sa.Connection, stamps: dict) -> None:
    row = {"id": 1, "company_id": 1, "external_id": "AV", "partner_type": "avantage", **stamps}
    connection.execute(_table("integration", *row), row)


#: The migration that adds the consoles' match keys.
MATCH_KEYS = "e5b7c3d9a2f4"


def test_records_already_there_get_their_match_keys(empty_database_url, tmp_path):
    """The match-key migration fills the keys of existing portal and Avantage records the way
    the models compute them, so a console pairs them right after the upgrade."""
    config = {
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "SECRET_KEY": "x",
        "INSTANCE_PATH": str(tmp_path),
    }
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    with separate_app(config):
        upgrade(revision=f"{MATCH_KEYS}-1")
        with db.engine.begin() as connection:
            _company(connection, stamps)
            _person(connection, stamps, employee_number="0042")
            connection.execute(
                _table("trade", "company_id", "code", "name", "active", *stamps),
                {"company_id": 1, "code": " CH  1 ", "name": "Charpentier", "active": True}
                | stamps,
            )
            _integration(connection, stamps)
            records = sa.table(
                "remote_record",
                *map(sa.column, ("company_id", "integration_id", "entity", "key", "scope")),
                sa.column("seen_at"),
                sa.column("data", sa.JSON),
            )
            connection.execute(
                sa.insert(records),
                [
                    {"entity": "employees", "key": "00042", "scope": "", "data": {"n": "Côté"}}
                    | {"company_id": 1, "integration_id": 1, "seen_at": now},
                    {"entity": "activities", "key": "24-1|03 A", "scope": "24-1", "data": {}}
                    | {"company_id": 1, "integration_id": 1, "seen_at": now},
                ],
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text('SELECT match_key FROM "user"')).scalar_one() == "42"
            assert connection.execute(sa.text("SELECT match_key FROM trade")).scalar_one() == "ch 1"
            remote = connection.execute(
                sa.text("SELECT key, match_key, search_text FROM remote_record ORDER BY key")
            ).all()
            assert [tuple(row) for row in remote] == [
                ("00042", "42", "00042 cote"),
                ("24-1|03 A", "03 a", "24-1|03 a"),
            ]


#: The migration that gives export lines their employee and day.
LINE_DAYS = "f2c8a6d4b1e7"


def test_lines_already_sent_get_their_employee_and_day(empty_database_url, tmp_path):
    """The backfill reads the payloads in chunks of 5,000 by id: every line past the first
    chunk is filled too, and a payload without an employee or a date leaves them empty."""
    config = {
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "SECRET_KEY": "x",
        "INSTANCE_PATH": str(tmp_path),
    }
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    payloads = [
        {"line": n, "employee": f"{1000 + n % 7}", "date": f"2026-11-{1 + n % 28:02d}"}
        for n in range(1, 5_004)
    ] + [{"line": 5_004, "kind": "expense"}]
    with separate_app(config):
        upgrade(revision=f"{LINE_DAYS}-1")
        with db.engine.begin() as connection:
            _company(connection, stamps)
            _person(connection, stamps, id=1, match_key="")
            _integration(connection, stamps)
            sheet = {"id": 1, "company_id": 1, "employee_id": 1, "status": "frozen"}
            sheet["week_start"] = datetime(2026, 11, 1).date()
            connection.execute(_table("timesheet", *sheet, *stamps), sheet | stamps)
            batch = {"id": 1, "company_id": 1, "integration_id": 1, "batch_key": "b-1"}
            batch |= {"status": "committed", "created_at": now, "attempts": 1}
            batch |= {"sheet_count": 1, "hours_total": 0, "rejected_count": 0}
            batch |= dict.fromkeys(("line_count", "lines_sent", "accepted"), len(payloads))
            connection.execute(_table("export_batch", *batch), batch)
            lines = sa.table(
                "export_line",
                *map(sa.column, ("batch_id", "line_no", "timesheet_id")),
                sa.column("payload", sa.JSON),
            )
            connection.execute(
                sa.insert(lines),
                [
                    {"batch_id": 1, "line_no": p["line"], "timesheet_id": 1, "payload": p}
                    for p in payloads
                ],
            )
        upgrade()
        with db.engine.connect() as connection:
            filled = connection.execute(
                sa.text("SELECT line_no, employee, work_date FROM export_line ORDER BY line_no")
            ).all()
        assert [tuple(row) for row in filled] == [
            (p["line"], p.get("employee"), p.get("date")) for p in payloads
        ]
        assert "ix_export_line_employee_work_date" in _index_names()
