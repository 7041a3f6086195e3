"""Fixtures for the syncs: a Superadmin, an integration whose default access point is a
running simulator, and helpers to start a run and let a real RQ worker process it."""

from __future__ import annotations

import pytest

from portal import jobs
from portal.extensions import db
from portal.models import SyncRun, SyncSection
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import work


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin", employee_number="9001"))


@pytest.fixture
def connect(superadmin):
    """Give the company an Avantage integration aimed at ``simulator``."""

    def connect_to(simulator):
        return connect_avantage(superadmin, simulator)

    return connect_to


@pytest.fixture
def sync_now(rq, superadmin):
    """Start a run of ``section`` and let a real worker (burst mode) finish it."""

    def run(integration, section: SyncSection, **options) -> SyncRun:
        run = jobs.start_sync(integration, section, superadmin, **options)
        work()
        db.session.expire_all()
        return db.session.get(SyncRun, run.id)

    return run
