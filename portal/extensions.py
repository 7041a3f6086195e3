"""Extensions, created unbound here and attached to the app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from portal.queue import RedisQueue

#: Constraint names that Alembic can rely on, identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite (the embedded default) in WAL mode: the web process reads progress while a
    worker writes a sync page, and each page's commit does not wait for a full fsync."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_without_jit(dbapi_connection, connection_record) -> None:
    """No JIT compilation on PostgreSQL: the consoles' correlated lookups are estimated dear
    enough to trigger it, and compiling cost 70 ms to 1 s for queries that run in 40 ms.
    Committed, so that the setting outlives the connection's first transaction."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


migrate = Migrate()
login_manager = LoginManager()
htmx = HTMX()
csrf = CSRFProtect()
babel = Babel()
queue = RedisQueue()
mail = Mail()
