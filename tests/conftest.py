"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL with
``TEST_DATABASE_URL``), a test client that sends CSRF tokens like a browser, and factories.

Fixture modules are registered as plugins so every test package sees them.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.factories",
    "tests.fixtures.queue",
    "tests.fixtures.export_world",
    "tests.fixtures.mail",
    "tests.simulator_fixtures",
]


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL", "sqlite (temporary file)")
    return f"database: {url.split('@')[-1]}"


@pytest.fixture
def anyio_backend():
    return "asyncio"
