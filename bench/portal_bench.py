"""What the portal benchmarks share: the app on a scratch database beside a simulator."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from avantage_listing import start_server

from portal import create_app
from portal.extensions import db

#: The prefix of the one machine-readable line per figure that ``bench/report.py`` collects.
RESULT_PREFIX = "BENCH-RESULT "


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def report_result(
    figure: str,
    value: float,
    *,
    target: str,
    met: bool,
    unit: str = "",
    floor: float | None = None,
    ratio: float | None = None,
) -> None:
    """Print one figure for ``make bench``: ``BENCH-RESULT {json}`` on a line of its own.

    ``value`` and ``floor`` are in ``unit``; ``ratio`` is the bench's headline ratio (the median
    of its per-pair ratios, not value / floor); ``target`` says what meets it, ``met`` whether
    this run did. The load average is added.
    """
    line = {
        "figure": figure,
        "value": value,
        "unit": unit,
        "floor": floor,
        "ratio": ratio,
        "target": target,
        "met": bool(met),
        "load": load_average(),
    }
    print(RESULT_PREFIX + json.dumps(line, ensure_ascii=False), flush=True)


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
