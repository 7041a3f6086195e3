"""Fixtures for Admin du projet → Configuration d'intégrations: the sync fixtures (a
Superadmin, an integration aimed at a simulator, ``sync_now``), Avantage's project list, a
portal project and a way to link it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Activity,
    HourLine,
    Integration,
    Project,
    RunStatus,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    Trade,
    User,
)
from portal.services import project_links, projects
from tests.simulator_fixtures import RunningSimulator
from tests.sync import conftest as sync_fixtures

#: The sync fixtures, shared rather than copied: a signed-in Superadmin, ``connect(simulator)``
#: and ``sync_now(integration, section, **options)``.
superadmin, connect, sync_now = (
    sync_fixtures.superadmin,
    sync_fixtures.connect,
    sync_fixtures.sync_now,
)


@dataclass
class Avantage:
    """A running simulator and the company's integration aimed at it."""

    simulator: RunningSimulator
    integration: Integration

    def project(self, project_id: str) -> dict:
        return self.simulator.server.dataset.get("projects", project_id)

    def budget(self, project_id: str, code: str) -> dict:
        return self.simulator.server.dataset.get("budget", (project_id, code))


@pytest.fixture
def avantage(connect, make_simulator) -> Avantage:
    """Projects 24-101…24-112 (24-105 and 24-110 closed), eight activities each."""
    simulator = make_simulator(employees=3)
    return Avantage(simulator, connect(simulator))


@pytest.fixture
def listed(avantage, sync_now) -> Avantage:
    """The same, once the company sync of Projets has listed Avantage's projects."""
    run = sync_now(avantage.integration, SyncSection.PROJECTS)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return avantage


@pytest.fixture
def project(make_project) -> Project:
    """Portal project 24-103, whose number matches Avantage's 24-103."""
    return make_project()


@pytest.fixture
def make_project(superadmin):
    """A portal project added through the service, as the Projets page adds one."""

    def make(number: str = "24-103", name: str = "Résidence Tremblay — Lévis") -> Project:
        data = projects.ProjectData(number=number, name=name)
        made = projects.save_project(superadmin.company_id, superadmin, data)
        db.session.commit()
        return made

    return make


@pytest.fixture
def link(superadmin):
    """Link a portal project to an Avantage project through the service, committed."""

    def link_to(integration: Integration, project: Project, remote_id: str) -> str | None:
        warning = project_links.link_project(integration, project, remote_id, superadmin)
        db.session.commit()
        return warning

    return link_to


@pytest.fixture
def enter_hours(superadmin, make_user):
    """Hours on ``activity`` in a new sheet of ``status`` (one employee per sheet)."""
    trades: list[Trade] = []

    def enter(activity: Activity, hours: str, status: TimesheetStatus) -> Timesheet:
        if not trades:
            trades.append(Trade(company_id=superadmin.company_id, code="CHARP", name="Charpentier"))
        employee: User = make_user("employee")
        sheet = Timesheet(
            company_id=superadmin.company_id,
            employee=employee,
            week_start=date(2026, 11, 23),
            status=status,
        )
        sheet.hour_lines.append(
            HourLine(
                work_date=date(2026, 11, 24),
                project_id=activity.project_id,
                activity=activity,
                trade=trades[0],
                hours=Decimal(hours),
            )
        )
        db.session.add(sheet)
        db.session.commit()
        return sheet

    return enter
