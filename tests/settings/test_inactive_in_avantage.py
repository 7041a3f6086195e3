"""Employees Avantage lists as inactive: one query says which, every page shows it, and the
portal leaves their licence alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Company,
    HourLine,
    Integration,
    LinkMethod,
    PartnerType,
    RecordLink,
    RemoteRecord,
    RunStatus,
    SyncSection,
    User,
)
from portal.models.base import utcnow
from portal.services import avantage_status
from tests.sync import conftest as sync_fixtures

#: The sync fixtures, shared: a signed-in Superadmin, ``connect(simulator)`` and ``sync_now``.
superadmin, connect, sync_now = (
    sync_fixtures.superadmin,
    sync_fixtures.connect,
    sync_fixtures.sync_now,
)

BADGE = "Inactif dans Avantage"
WARNING = (
    "Avantage indique que cet employé est inactif : ses heures seront refusées à l'envoi tant "
    "qu'il n'est pas réactivé dans Avantage."
)
WEEK = date(2026, 11, 23)
HTMX_LIST = {"HX-Request": "true", "HX-Target": "user-list"}


@contextmanager
def statements_on(table: str) -> Iterator[list[str]]:
    """The SQL statements that name ``table``, while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if table in statement:
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def avantage_says(company):
    """Store what Avantage listed for ``user`` and link them, as the employee sync does."""
    integrations: dict[int, Integration] = {}

    def say(user: User, *, active: bool, removed: bool = False, linked: bool = True) -> None:
        owner: Company = user.company
        integration = integrations.get(owner.id)
        if integration is None:
            integration = Integration(
                company=owner, external_id="AVANTAGE", partner_type=PartnerType.AVANTAGE
            )
            db.session.add(integration)
            db.session.flush()
            integrations[owner.id] = integration
        key = user.employee_number
        db.session.add(
            RemoteRecord(
                company_id=owner.id,
                integration_id=integration.id,
                entity=SyncSection.EMPLOYEES,
                key=key,
                scope="",
                data={"number": key, "first_name": user.first_name, "active": active},
                removed_at=utcnow() if removed else None,
            )
        )
        if linked:
            db.session.add(
                RecordLink(
                    company_id=owner.id,
                    integration_id=integration.id,
                    entity=SyncSection.EMPLOYEES,
                    remote_key=key,
                    local_id=user.id,
                    method=LinkMethod.NUMBER,
                )
            )
        db.session.commit()

    return say


def row(page: str, user: User) -> str:
    """The user's row of the Gestion des licences table."""
    start = page.index(f'id="user-{user.id}"')
    return page[start : page.index("</tr>", start)]


def sheet_row(page: str, sheet_id: int) -> str:
    start = page.index(f'id="sheet-{sheet_id}"')
    return page[start : page.index("</tr>", start)]


# --- the service -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "inactive"),
    [
        ({"active": False}, True),
        ({"active": True}, False),
        ({"active": False, "removed": True}, False),  # Retiré d'Avantage: no longer its word
        ({"active": False, "linked": False}, False),  # listed, but not this employee
    ],
)
def test_the_service_names_the_linked_inactive_employees(
    company, make_user, avantage_says, said, inactive
):
    employee = make_user("employee")
    avantage_says(employee, **said)
    assert avantage_status.inactive_in_avantage(company.id, [employee.id]) == (
        {employee.id} if inactive else set()
    )


def test_the_service_never_answers_for_another_company(
    company, make_company, make_user, avantage_says
):
    other = make_user("employee", company=make_company("Autre compagnie"))
    avantage_says(other, active=False)
    assert avantage_status.inactive_in_avantage(company.id, [other.id]) == set()
    assert avantage_status.inactive_in_avantage(other.company_id, [other.id]) == {other.id}


@pytest.mark.parametrize("size", [3, 30])
def test_the_service_asks_once_whatever_the_number_of_employees(
    company, make_user, avantage_says, size
):
    employees = [make_user("employee") for _ in range(size)]
    for index, employee in enumerate(employees):
        avantage_says(employee, active=index % 3 != 0)
    with statements_on("record_link") as seen:
        inactive = avantage_status.inactive_in_avantage(company.id, [e.id for e in employees])
    assert len(seen) == 1
    assert inactive == {e.id for index, e in enumerate(employees) if index % 3 == 0}
    with statements_on("record_link") as none:
        assert avantage_status.inactive_in_avantage(company.id, []) == set()
    assert none == []


# --- Gestion des licences --------------------------------------------------------------------


def test_the_user_list_badges_the_inactive_employee_and_keeps_the_licence(
    client, auth, make_user, avantage_says
):
    auth.login(make_user("manager"))
    gone, present = make_user("employee"), make_user("employee")
    avantage_says(gone, active=False)
    avantage_says(present, active=True)
    page = client.get("/parametres/licences").text
    assert BADGE in row(page, gone) and BADGE not in row(page, present)
    assert "Actif" in row(page, gone) and "Désactiver" in row(page, gone)  # licence untouched
    fragment = client.get("/parametres/licences", headers=HTMX_LIST).text
    assert BADGE in row(fragment, gone)
    assert db.session.get(User, gone.id).active


def test_the_redrawn_row_keeps_the_badge(client, auth, make_user, avantage_says):
    auth.login(make_user("manager"))
    gone = make_user("employee")
    avantage_says(gone, active=False)
    response = client.post(
        f"/parametres/licences/{gone.id}/desactiver", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Inactif" in response.text
    assert BADGE in response.text


@pytest.mark.parametrize("size", [2, 20])
def test_the_user_list_asks_once_whatever_its_length(client, auth, make_user, avantage_says, size):
    auth.login(make_user("manager"))
    for index in range(size):
        avantage_says(make_user("employee"), active=index % 2 == 0)
    with statements_on("record_link") as seen:
        page = client.get("/parametres/licences", headers=HTMX_LIST).text
    assert len(seen) == 1
    assert page.count(BADGE) == (size + 1) // 2


def test_an_employee_sync_leaves_an_inactive_employees_licence_active(
    client, make_user, make_simulator, connect, sync_now
):
    """Avantage's 1031 is inactive: linked to the portal's 1031, who keeps their licence."""
    employee = make_user("employee", employee_number="1031")
    integration = connect(make_simulator(employees=40))
    run = sync_now(integration, SyncSection.EMPLOYEES)
    assert run.status == RunStatus.SUCCEEDED, run.error
    employee = db.session.get(User, employee.id)
    assert employee.active and employee.can_sign_in
    assert avantage_status.inactive_in_avantage(employee.company_id, [employee.id]) == {employee.id}
    page = client.get("/parametres/licences", query_string={"q": "1031"}).text
    assert BADGE in row(page, employee)


# --- Feuilles de temps -----------------------------------------------------------------------


@pytest.fixture
def work(company, make_work_data) -> dict:
    return make_work_data(company)


def test_the_sheet_page_badges_and_warns(client, auth, make_user, make_timesheet, avantage_says):
    employee, colleague = make_user("employee"), make_user("employee")
    auth.login(make_user("superadmin"))
    avantage_says(employee, active=False)
    avantage_says(colleague, active=True)
    gone = client.get(f"/feuilles-de-temps/employes/{employee.id}/{WEEK.isoformat()}").text
    title = gone[gone.index('id="sheet-title"') : gone.index("</h1>")]
    assert BADGE in title
    assert 'id="avantage-inactive-warning"' in gone and WARNING in gone
    present = client.get(f"/feuilles-de-temps/employes/{colleague.id}/{WEEK.isoformat()}").text
    assert BADGE not in present and WARNING not in present


def test_entering_time_warns_and_keeps_the_hours(client, auth, make_user, work, avantage_says):
    employee = make_user("employee")
    avantage_says(employee, active=False)
    auth.login(employee)
    url = f"/feuilles-de-temps/employes/{employee.id}/{WEEK.isoformat()}/heures"
    form = {
        "hour-new-work_date": "2026-11-24",
        "hour-new-project_id": work["project"].id,
        "hour-new-activity_id": work["formwork"].id,
        "hour-new-trade_id": work["trade"].id,
        "hour-new-hour_type_id": "",
        "hour-new-hours": "7,5",
    }
    for _ in range(2):  # the first line redraws the whole sheet, the next the hours only
        response = client.post(
            url, data=form, headers={"HX-Request": "true", "HX-Target": "hour-lines"}
        )
        assert response.status_code == 200
        assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "success"
        assert WARNING in response.text
    assert db.session.scalar(sa.select(sa.func.count(HourLine.id))) == 2


def test_the_sheet_list_badges_and_asks_once(
    client, auth, make_user, make_timesheet, work, avantage_says
):
    auth.login(make_user("superadmin"))
    sheets = {}
    for index in range(6):
        employee = make_user("employee")
        avantage_says(employee, active=index >= 2)
        sheets[index] = make_timesheet(employee, work)
    with statements_on("record_link") as seen:
        page = client.get("/feuilles-de-temps/").text
    assert len(seen) == 1
    for index, sheet in sheets.items():
        assert (BADGE in sheet_row(page, sheet.id)) == (index < 2)
