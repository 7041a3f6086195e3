"""The instance folder and what the embedded defaults keep in it are readable by their owner
only: the SQLite database (and its WAL), the embedded Redis's dump, the secret key."""

from __future__ import annotations

import stat

import sqlalchemy as sa

from portal.extensions import db, queue
from tests.fixtures.database import separate_app


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_defaults_keep_their_files_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)  # as an operator might have made it
    instance.chmod(0o755)
    database = instance / "portal.db"
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "REDIS_URL": None,
    }
    with separate_app(config) as app:
        db.create_all()
        db.session.execute(sa.text("CREATE TABLE probe (n INTEGER)"))
        db.session.execute(sa.text("INSERT INTO probe VALUES (1)"))
        db.session.commit()
        connection = queue.connection
        connection.set("probe", "1")
        connection.save()  # the dump a restart reloads
        try:
            files = [
                instance / name
                for name in ("portal.db", "portal.db-wal", "secret_key", "redis.rdb")
            ]
            assert mode(instance) == 0o700
            assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        finally:
            connection.connection_pool.disconnect()
            queue._embedded.shutdown(nosave=True)
        assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text()


def test_existing_files_are_tightened(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "portal.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SECRET_KEY": "x",
    }
    with separate_app(config):
        assert mode(database) == 0o600
