"""Historique: every run and batch of the company, newest first, filtered and paginated in the
database; timesheet Admins see the batches only; another company's rows never show."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExportBatch,
    Integration,
    PartnerType,
    Project,
    RunStatus,
    SyncRun,
    SyncSection,
)
from tests.fixtures.statements import counted

#: 04:30 UTC on 3 December is still 2 December in Québec (23:30).
LATE_EVENING = datetime(2026, 12, 3, 4, 30, tzinfo=UTC)


class History:
    def __init__(self, company, admin) -> None:
        self.company, self.admin = company, admin
        self.integration = Integration(
            company_id=company.id, external_id="AVANTAGE", partner_type=PartnerType.AVANTAGE
        )
        self.project = Project(company_id=company.id, number="24-101", name="Résidence")
        db.session.add_all([self.integration, self.project])
        db.session.commit()
        self.count = 0

    def run(self, at, section=SyncSection.TRADES, status=RunStatus.SUCCEEDED, **values):
        self.count += 1
        run = SyncRun(
            company_id=self.company.id,
            integration_id=self.integration.id,
            section=section,
            lock_key=f"h{self.count}",
            active=False,
            status=status,
            created_at=at,
            finished_at=at,
            **values,
        )
        db.session.add(run)
        return run

    def batch(self, at, status=BatchStatus.COMMITTED, **values):
        batch = ExportBatch(
            company_id=self.company.id,
            integration_id=self.integration.id,
            status=status,
            created_at=at,
            requested_by_id=self.admin.id,
            sheet_count=3,
            line_count=12,
            **values,
        )
        db.session.add(batch)
        return batch


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin"))


@pytest.fixture
def history(superadmin, company):
    made = History(company, superadmin)
    made.run(LATE_EVENING - timedelta(days=3), requested_by_id=superadmin.id)
    made.run(LATE_EVENING - timedelta(days=2), SyncSection.EMPLOYEES, RunStatus.FAILED)
    made.run(LATE_EVENING - timedelta(days=1), status=RunStatus.SKIPPED, schedule_id=1)
    made.run(LATE_EVENING, SyncSection.ACTIVITIES, project_id=made.project.id)
    made.batch(LATE_EVENING - timedelta(hours=5))
    made.batch(LATE_EVENING + timedelta(hours=5), BatchStatus.REJECTED, rejected_count=2)
    db.session.commit()
    return made


def _rows(client, query: str = "") -> list[str]:
    page = html.unescape(client.get(f"/historique/{query}").text)
    return re.findall(r'data-history="(\w+)"', page)


def test_every_run_and_batch_newest_first(client, history):
    assert _rows(client) == ["export", "sync", "export", "sync", "sync", "sync"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?type=export", ["export", "export"]),
        ("?section=employees", ["sync"]),
        ("?etat=rejected", ["export"]),
        ("?qui=planification", ["sync"]),
        ("?projet=24-101", ["sync"]),
        ("?projet=24-999", []),
        # The day in Québec: the run of 04:30 UTC on 3 December belongs to 2 December.
        ("?du=2026-12-02&au=2026-12-02", ["sync", "export"]),
        ("?du=2026-12-03", ["export"]),
        (
            "?etat=nope&section=x&qui=robert&du=demain",
            ["export", "sync", "export", "sync", "sync", "sync"],
        ),
    ],
)
def test_filters(client, history, query, expected):
    assert _rows(client, query) == expected


def test_who_is_a_person_or_the_schedule(client, history, superadmin):
    page = html.unescape(client.get(f"/historique/?qui={superadmin.id}").text)
    assert re.findall(r'data-history="(\w+)"', page) == ["export", "export", "sync"]
    assert "Planification" in html.unescape(client.get("/historique/").text)


def test_timesheet_admins_see_the_batches_only(client, history, make_user, auth):
    auth.login(make_user("ts_admin"))
    assert _rows(client) == ["export", "export"]
    assert _rows(client, "?type=sync") == ["export", "export"]  # not theirs to see


def test_another_company_s_rows_never_show(client, history, make_company, make_user, auth):
    other = make_company("Autre inc.")
    auth.login(make_user("superadmin", company=other))
    assert _rows(client) == []


def test_pages_are_cut_in_the_database_and_cost_the_same(client, history):
    client.get("/historique/")  # the first request loads what the session then keeps
    with counted() as small:
        client.get("/historique/")
    start = LATE_EVENING - timedelta(days=30)
    for n in range(2_000):
        history.run(start + timedelta(minutes=n))
    db.session.commit()

    with counted() as large:
        page = html.unescape(client.get("/historique/").text)
    assert "Page 1 sur 41" in page and "2\xa0006 résultats" in page
    assert len(large) == len(small)
    with counted() as filtered:
        narrow = client.get("/historique/?section=trades&etat=succeeded&page=41").text
    assert narrow.count('data-history="') == 1  # 2,000 new and one of the six: 40 pages and 1
    assert len(filtered) <= len(large)
    assert client.get("/historique/?page=999").text.count('data-history="') == 6  # the last
