"""The load test's data: the demo company, grown to ``users`` people with their timesheets.

``python bench/load_seed.py DATABASE_URL AVANTAGE_URL USERS OUT.json`` empties the database,
creates the demo company (its Avantage integration aimed at ``AVANTAGE_URL``), adds office
people (Superadmin, timesheet Admin) until the company has ``USERS`` people, each with four past
weeks of sheets (two frozen, one validated, one submitted) and a draft for this week (their
numbers are the simulator's, so the Employés sync links them), syncs every section and links
hour types, earnings, projects and activities by code, and writes what the load test needs
(logins, the integration, the validated sheets) to ``OUT.json``.
It runs in its own process: the load test's process is patched by gevent (Locust).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from datetime import date, timedelta

import sqlalchemy as sa

from portal import create_app
from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import (
    Activity,
    ExpenseType,
    HourType,
    Integration,
    Licence,
    LinkMethod,
    Project,
    ProjectStatus,
    RecordLink,
    RemoteRecord,
    SyncSection,
    Timesheet,
    TimesheetPermission,
    TimesheetStatus,
    User,
)
from portal.services import demo_data, runs
from portal.services.demo_sheets import demo_sheet
from portal.services.sync import run_section, section_sync
from portal.services.timesheets import week_start_of

SECTIONS = [
    SyncSection.TRADES,
    SyncSection.HOUR_TYPES,
    SyncSection.EARNINGS,
    SyncSection.PROJECTS,
    SyncSection.EMPLOYEES,
]
#: The web and worker processes get the same one: the access point's secrets are encrypted with it.
SECRET_KEY = "bench-load"
WEEKS = [*demo_data.WEEK_STATUSES, TimesheetStatus.DRAFT]


def seed(database_url: str, avantage_url: str, users: int) -> dict:
    """Create the data; return the logins, the integration id and the validated sheet ids."""
    create_database(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": SECRET_KEY,
                "INSTANCE_PATH": tmp,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            today = date.today()
            demo = demo_data.create_demo_company(today, avantage_url=avantage_url)
            company = demo.company
            _grow(company, users, today)
            db.session.commit()
            _sync_and_link(company, avantage_url)
            return _summary(company, today)


def create_database(database_url: str) -> None:
    """Create the PostgreSQL database of ``database_url`` when the server lacks it."""
    url = sa.make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        return
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def _grow(company, users: int, today: date) -> None:
    """Office people (Superadmin, Admin) with their weeks, until the company has ``users``."""
    rng = random.Random(14)
    people = db.session.scalars(db.select(User).where(User.company_id == company.id)).all()
    projects = db.session.scalars(
        db.select(Project).where(
            Project.company_id == company.id, Project.status == ProjectStatus.ACTIVE
        )
    ).all()
    hour_types = {
        h.code: h for h in db.session.scalars(db.select(HourType).filter_by(company_id=company.id))
    }
    expenses = {
        e.code: e
        for e in db.session.scalars(db.select(ExpenseType).filter_by(company_id=company.id))
    }
    staff = (people[3], people[2])
    current = week_start_of(today)
    for index in range(len(people), users):
        person = User(
            company=company,
            first_name="Banc",
            last_name=f"Charge {index:03d}",
            employee_number=str(1040 + index),  # in the simulator's data set: the sync links them
            email=f"charge{index:03d}@banc.example",
            licence=Licence.MANAGEMENT,
            is_superadmin=True,
            timesheet_permission=TimesheetPermission.ADMIN,
        )
        person.set_password(demo_data.DEMO_PASSWORD)
        db.session.add(person)
        db.session.flush()
        for back, status in enumerate(reversed(WEEKS)):
            week = current - timedelta(weeks=back)
            demo_sheet(company, person, week, status, rng, projects, hour_types, expenses, staff)


def _sync_and_link(company, avantage_url: str) -> None:
    """What the office does before its first export: every section synced (as the RQ job
    runs it), then hour types, earnings, projects and their activities linked by code."""
    integration = db.session.scalar(db.select(Integration).filter_by(company_id=company.id))
    admin = db.session.scalar(
        db.select(User).filter_by(company_id=company.id, is_superadmin=True).order_by(User.id)
    )
    host, port = avantage_url.removeprefix("tcp://").split(":")
    credentials = (demo_data.DEMO_AVANTAGE_USER, demo_data.DEMO_AVANTAGE_PASSWORD)
    projects = db.session.scalars(db.select(Project).filter_by(company_id=company.id)).all()
    links = [
        *((SyncSection.HOUR_TYPES, h.id, h.code) for h in _all(HourType, company)),
        *((SyncSection.EARNINGS, e.id, e.code) for e in _all(ExpenseType, company)),
        *((SyncSection.PROJECTS, p.id, p.number) for p in projects),
    ]
    for section, local_id, key in links:
        db.session.add(
            RecordLink(
                company_id=company.id,
                integration_id=integration.id,
                entity=section,
                remote_key=key,
                local_id=local_id,
                method=LinkMethod.MANUAL,
            )
        )
    db.session.commit()
    with AvantageClient(host, int(port), *credentials, demo_data.DEMO_AVANTAGE_KEY) as client:
        for section, project in [(s, None) for s in SECTIONS]:
            _sync(integration, admin, client, section, project)
        known = set(
            db.session.scalars(
                db.select(RemoteRecord.key).filter_by(
                    integration_id=integration.id, entity=SyncSection.PROJECTS
                )
            )
        )
        for project in projects:
            if project.number in known:
                _sync(integration, admin, client, SyncSection.ACTIVITIES, project)
    activities = db.session.scalars(db.select(Activity).filter_by(company_id=company.id)).all()
    for activity in activities:
        key = f"{activity.project.number}|{activity.code}"
        if not db.session.scalar(
            db.select(RecordLink.id).filter_by(
                integration_id=integration.id, entity=SyncSection.ACTIVITIES, local_id=activity.id
            )
        ):
            db.session.add(
                RecordLink(
                    company_id=company.id,
                    integration_id=integration.id,
                    entity=SyncSection.ACTIVITIES,
                    remote_key=key,
                    local_id=activity.id,
                    method=LinkMethod.MANUAL,
                )
            )
    db.session.commit()


def _sync(integration, admin, client, section, project) -> None:
    """One run of ``section`` through the service, as the RQ job runs it."""
    run, _ = runs.open_run(integration, section, admin, full=False, preview=False, project=project)
    runs.mark_started(run, client.server_time)
    run_section(run, client, section_sync(section))
    runs.finish(run)
    db.session.commit()


def _all(model, company) -> list:
    return db.session.scalars(db.select(model).filter_by(company_id=company.id)).all()


def _summary(company, today: date) -> dict:
    people = db.session.scalars(
        db.select(User).where(User.company_id == company.id).order_by(User.id)
    ).all()
    integration = db.session.scalar(db.select(Integration).filter_by(company_id=company.id))
    validated = db.session.scalars(
        db.select(Timesheet.id).where(
            Timesheet.company_id == company.id, Timesheet.status == TimesheetStatus.VALIDATED
        )
    ).all()
    return {
        "integration": integration.id,
        "monday": week_start_of(today).isoformat(),
        "validated": list(validated),
        "logins": [
            {
                "email": p.email,
                "id": p.id,
                "superadmin": p.is_superadmin,
                "office": p.timesheet_permission == TimesheetPermission.ADMIN,
                "management": p.licence == Licence.MANAGEMENT,
            }
            for p in people
        ],
    }


if __name__ == "__main__":
    url, avantage, count, out = sys.argv[1:5]
    with open(out, "w") as file:
        json.dump(seed(url, avantage, int(count)), file)
