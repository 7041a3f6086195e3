"""The preflight says what Avantage would reject, from what the syncs know: each rule against
the simulator (what it passes is committed, what it blocks would have been rejected), the 24 h
rule across sheets and batches, and sections synced too long ago."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    BatchStatus,
    HourLine,
    RunStatus,
    SyncRun,
    SyncSection,
)
from portal.models.base import utcnow
from portal.services import export, runs
from tests.fixtures.export_world import MONDAY, entries
from tests.fixtures.preflight import (
    BASE,
    HTMX,
    NEXT_WEEK,
    codes,
    mirror,
    relink,
    selected,
    send,
    send_anyway,
)


def _unknown_employee(world, make_user):
    stranger = make_user("employee", employee_number="1999")
    world.link(SyncSection.EMPLOYEES, stranger.id, "1999")
    return stranger, {}


def _inactive_employee(world, make_user):
    return world.employees["1031"], {}


def _unknown_project(world, make_user):
    world.simulator.server.dataset.remove("projects", "24-101")
    return world.employees["1002"], {}


def _closed_project(world, make_user):
    relink(world, SyncSection.PROJECTS, world.work["project"].id, "24-105")
    relink(world, SyncSection.ACTIVITIES, world.work["formwork"].id, "24-105|03-100")
    return world.employees["1002"], {}


def _unknown_activity(world, make_user):
    world.simulator.server.dataset.remove("activities", ("24-101", "03-100"))
    return world.employees["1002"], {}


def _unknown_trade(world, make_user):
    relink(world, SyncSection.TRADES, world.work["trade"].id, "GRUT")
    return world.employees["1002"], {}


def _no_rate_for_competency(world, make_user):
    # OPER has no apprenti-3 rate, nor has MANOE, the employee's own trade.
    world.simulator.server.dataset.touch(
        "employees", "1002", competency="apprenti-3", trade="MANOE"
    )
    relink(world, SyncSection.TRADES, world.work["trade"].id, "OPER")
    return world.employees["1002"], {}


def _unknown_hour_type(world, make_user):
    relink(world, SyncSection.HOUR_TYPES, world.work["regular"].id, "T3")
    return world.employees["1002"], {}


def _unknown_earning(world, make_user):
    relink(world, SyncSection.EARNINGS, world.work["km"].id, "ZZZ")
    return world.employees["1002"], {"km": "12"}


def _zero_hours(world, make_user):
    return world.employees["1002"], {"hours": ("0.00",)}


def _day_over_24(world, make_user):
    return world.employees["1002"], {"hours": ("8.00",), "overtime": "17.00"}


RULES = [
    pytest.param(_unknown_employee, "UNKNOWN_EMPLOYEE", "employee", "n'existe pas", id="employee"),
    pytest.param(_inactive_employee, "INACTIVE_EMPLOYEE", "employee", "inactif", id="inactive"),
    pytest.param(_unknown_project, "UNKNOWN_PROJECT", "project", "n'existe pas", id="project"),
    pytest.param(_closed_project, "CLOSED_PROJECT", "project", "fermé", id="closed"),
    pytest.param(_unknown_activity, "UNKNOWN_ACTIVITY", "activity", "03-100", id="activity"),
    pytest.param(_unknown_trade, "UNKNOWN_TRADE", "trade", "GRUT", id="trade"),
    pytest.param(_no_rate_for_competency, "UNKNOWN_TRADE", "trade", "apprenti-3", id="rate"),
    pytest.param(_unknown_hour_type, "UNKNOWN_HOUR_TYPE", "hour_type", "T3", id="hour-type"),
    pytest.param(_unknown_earning, "UNKNOWN_EARNING", "earning", "ZZZ", id="earning"),
    pytest.param(_zero_hours, "INVALID_HOURS", "sheet", "supérieures à zéro", id="zero"),
    pytest.param(_day_over_24, "INVALID_HOURS", "sheet", "Plus de 24 heures", id="24h"),
]


@pytest.mark.parametrize(("breaks", "code", "fix", "says"), RULES)
def test_each_rule_blocks_what_avantage_rejects_and_passes_what_it_commits(
    client, world, rq, make_user, monkeypatch, breaks, code, fix, says
):
    mirror(world)
    good = world.sheet(world.employees["1002"], hours=("8.00", "7.50"), overtime="2.00", km="5")
    preview = export.plan(world.integration, selected(world, good))
    assert preview.errors == [] and len(preview.lines) == 4
    assert send(world, good).status == BatchStatus.COMMITTED

    employee, lines = breaks(world, make_user)
    mirror(world)  # the next sync lists Avantage's change
    bad = world.sheet(employee, week=NEXT_WEEK, **lines)
    blocked = export.plan(world.integration, selected(world, bad))
    assert [problem.fix for problem in blocked.errors] == [fix]
    assert says in blocked.errors[0].message
    assert blocked.errors[0].work_date is not None
    assert blocked.stale  # never synced by a SyncRun: said even though the line is blocked
    response = html.unescape(
        client.post(f"{BASE}/apercu", data={"sheet": [bad.id]}, headers=HTMX).text
    )
    assert blocked.errors[0].message in response and f'data-fix="{fix}"' in response

    rejected = send_anyway(world, monkeypatch, bad)
    assert rejected.status == BatchStatus.REJECTED
    assert codes(rejected) == {code}


def test_a_section_never_synced_is_not_checked_but_said(client, world):
    sheet = world.sheet(world.employees["1031"])  # inactive, but the portal does not know it
    preview = export.plan(world.integration, selected(world, sheet))
    assert preview.errors == []
    assert {stale.section for stale in preview.stale} == {
        SyncSection.EMPLOYEES,
        SyncSection.PROJECTS,
        SyncSection.ACTIVITIES,
        SyncSection.TRADES,
        SyncSection.HOUR_TYPES,
    }
    assert all(stale.synced_at is None for stale in preview.stale)


def _hours_on(world, sheet, day, hours: str) -> None:
    """A line dated outside its sheet's week (a day entered on the wrong sheet)."""
    work = world.work
    sheet.hour_lines.append(
        HourLine(
            work_date=day,
            project=work["project"],
            activity=work["formwork"],
            trade=work["trade"],
            hours=Decimal(hours),
        )
    )
    db.session.commit()


def test_24_hours_across_two_sheets_and_an_already_committed_batch(world, rq, monkeypatch):
    mirror(world)
    employee = world.employees["1002"]
    first = world.sheet(employee, hours=("16.00",))
    second = world.sheet(employee, week=MONDAY - timedelta(days=7), hours=())
    _hours_on(world, second, MONDAY, "10.00")
    for alone in (first, second):
        assert export.plan(world.integration, selected(world, alone)).errors == []

    together = export.plan(world.integration, selected(world, first, second))
    assert [problem.sheet.id for problem in together.errors] == [first.id]
    assert "26 h sur les feuilles choisies" in together.errors[0].message
    assert together.errors[0].work_date == MONDAY
    assert codes(send_anyway(world, monkeypatch, first, second)) == {"INVALID_HOURS"}

    assert send(world, first).status == BatchStatus.COMMITTED
    after = export.plan(world.integration, selected(world, second))
    assert "26 h, en comptant 16 h déjà envoyées à Avantage" in after.errors[0].message
    assert codes(send_anyway(world, monkeypatch, second)) == {"INVALID_HOURS"}
    # Sending the accepted sheet again would post its 16 h a second time: 32 h that day.
    again = export.plan(world.integration, selected(world, first))
    assert "32 h, en comptant 16 h" in again.errors[0].message
    assert len(entries(world.simulator)) == 1


def _synced(world, section: SyncSection, when, project=None) -> SyncRun:
    run = SyncRun(
        company_id=world.integration.company_id,
        integration_id=world.integration.id,
        section=section,
        project_id=project.id if project else None,
        lock_key=runs.lock_key(world.integration, section, project),
        active=False,
        status=RunStatus.SUCCEEDED,
        created_at=when - timedelta(minutes=1),
        finished_at=when,
    )
    db.session.add(run)
    db.session.commit()
    return run


def test_a_section_synced_too_long_ago_is_a_warning_with_a_synchroniser_link(
    client, world, rq, app, monkeypatch
):
    mirror(world)
    now = utcnow()
    for section in (
        SyncSection.EMPLOYEES,
        SyncSection.PROJECTS,
        SyncSection.TRADES,
        SyncSection.HOUR_TYPES,
    ):
        _synced(world, section, now)
    activities = _synced(world, SyncSection.ACTIVITIES, now, world.work["project"])
    sheet = world.sheet(world.employees["1002"])
    preview = export.plan(world.integration, selected(world, sheet))
    assert preview.stale == [] and preview.errors == []

    employees = db.session.scalar(sa.select(SyncRun).where(SyncRun.section == "employees"))
    employees.created_at = employees.finished_at = now - timedelta(hours=25)
    activities.created_at = activities.finished_at = now - timedelta(hours=30)
    db.session.commit()
    response = html.unescape(
        client.post(f"{BASE}/apercu", data={"sheet": [sheet.id]}, headers=HTMX).text
    )
    stale = response[response.index("preflight-stale") :]
    assert "Employés : dernière synchronisation le" in stale
    assert "Activités du projet 24-101 : dernière synchronisation le" in stale
    integration = world.integration.id
    assert f"/parametres/integrations/{integration}/synchro/employes" in stale
    assert f"/{world.work['project'].id}/integration/{integration}/activites" in stale
    assert "Synchroniser" in stale and "Métiers" not in stale
    assert "preflight-errors" not in response  # a warning, not a block
    assert 'id="confirm-resend"' not in response  # nor a resend to confirm

    monkeypatch.setitem(app.config, "EXPORT_SYNC_STALE_HOURS", 48)
    assert export.plan(world.integration, selected(world, sheet)).stale == []
    assert send(world, sheet).status == BatchStatus.COMMITTED
