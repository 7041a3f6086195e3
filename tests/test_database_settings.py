"""What every connection of the portal sets on its database, whatever the transaction did."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db


def test_each_connection_keeps_its_settings_after_a_rollback(app):
    with db.engine.connect() as connection:
        connection.rollback()
        if db.engine.dialect.name == "postgresql":
            # JIT compiling cost the consoles 70 ms to 1 s for 40 ms of work.
            assert connection.scalar(sa.text("SHOW jit")) == "off"
        else:
            assert connection.scalar(sa.text("PRAGMA journal_mode")) == "wal"
            assert connection.scalar(sa.text("PRAGMA foreign_keys")) == 1
