"""Journal d'audit: who did what and when, filtered and paginated in the database, streamed
as a CSV whatever its size; a company's own events only; never a secret."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import AuditEvent, Company
from portal.services import audit

HTMX = {"HX-Request": "true"}


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin"))


def _actions(page: str) -> list[str]:
    return re.findall(r'data-audit="([^"]+)"', page)


def test_what_the_office_does_is_in_the_journal_and_never_a_secret(client, superadmin):
    client.post(
        "/parametres/integrations", data={"external_id": "AVANTAGE", "partner_type": "avantage"}
    )
    integration_id = db.session.scalar(db.select(db.func.max(AuditEvent.target_id)))
    client.post(
        f"/parametres/integrations/{integration_id}/points",
        data={"url": "tcp://127.0.0.1:2131", "username": "portail", "password": "Secret-Tres-123"},
    )
    client.post("/parametres/fuseau-horaire", data={"time_zone": "America/Halifax"})

    page = html.unescape(client.get("/journal/").text)
    assert _actions(page) == ["company.time_zone", "access_point.create", "integration.create"]
    assert superadmin.full_name in page and "America/Toronto → America/Halifax" in page
    csv = client.get("/journal/journal.csv").get_data(as_text=True)
    assert "Secret-Tres-123" not in page and "Secret-Tres-123" not in csv


def test_filters_and_before_after(client, superadmin, make_user, company):
    other = make_user("employee")
    audit.record(
        company.id,
        superadmin,
        "user.update",
        other,
        "Employé modifié",
        before={"licence": "none"},
        after={"licence": "management"},
    )
    old = audit.record(company.id, None, "schedule.change", company, "Métiers : chaque heure")
    old.at = datetime(2026, 1, 15, 12, tzinfo=UTC)
    db.session.commit()

    users = html.unescape(client.get("/journal/?categorie=user").text)
    assert _actions(users) == ["user.update"] and "licence : none → management" in users
    assert _actions(client.get("/journal/?categorie=schedule").text) == ["schedule.change"]
    assert _actions(client.get(f"/journal/?qui={superadmin.id}").text) == ["user.update"]
    assert _actions(client.get("/journal/?du=2026-01-15&au=2026-01-15").text) == ["schedule.change"]
    assert _actions(client.get("/journal/?q=m%C3%A9tiers").text) == ["schedule.change"]
    assert "Planification ou système" in html.unescape(client.get("/journal/").text)


def test_a_company_sees_its_own_events_only(client, superadmin, company):
    stranger = Company(name="Autre inc.")
    db.session.add(stranger)
    db.session.flush()
    audit.record(stranger.id, None, "integration.create", stranger, "Ailleurs")
    audit.record(company.id, superadmin, "integration.create", company, "Ici")
    db.session.commit()

    page = html.unescape(client.get("/journal/").text)
    assert "Ici" in page and "Ailleurs" not in page
    assert "Ailleurs" not in client.get("/journal/journal.csv").get_data(as_text=True)


def test_the_csv_streams_every_event_in_chunks(client, superadmin, company):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    db.session.add_all(
        AuditEvent(
            company_id=company.id,
            user_id=superadmin.id,
            action="sync.start",
            target_type="SyncRun",
            target_id=n,
            summary=f"Run {n}",
            at=start + timedelta(seconds=n // 3),  # three events per second: ties on « at »
            details={},
        )
        for n in range(2_500)
    )
    db.session.commit()

    response = client.get("/journal/journal.csv")

    assert response.is_streamed and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    lines = text.strip("\ufeff").strip().split("\r\n")
    assert lines[0].startswith("Quand;Qui;Action")
    summaries = {line.split(";")[3] for line in lines[1:]}
    assert summaries == {f"Run {n}" for n in range(2_500)}  # each once, none lost at a chunk
    page = html.unescape(client.get("/journal/?page=50").text)
    assert "Page 50 sur 50" in page
