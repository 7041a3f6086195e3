"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
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
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


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
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences(app) == []
