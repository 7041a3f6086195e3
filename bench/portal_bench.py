"""What the portal benchmarks share: the app on a scratch database beside a simulator."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from avantage_listing import start_server

from portal import create_app
from portal.extensions import db


@dataclass
class BenchSetup:
    url: str
    port: int
    password: str
    key: str


@contextmanager
def portal_beside_simulator(database_url: str | None, employees: int) -> Iterator[BenchSetup]:
    """An app context on ``database_url`` (a temporary SQLite file by default, emptied at
    the end either way) and a simulator subprocess with ``employees`` employees."""
    password, key = secrets.token_urlsafe(12), secrets.token_urlsafe(12)[:16]
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
                "ALLOW_PRIVATE_ENDPOINTS": True,
            }
        )
        server, port = start_server(employees, key, password)
        try:
            with app.app_context():
                yield BenchSetup(url, port, password, key)
                db.session.remove()
                db.drop_all()
        finally:
            server.terminate()
            server.wait()
