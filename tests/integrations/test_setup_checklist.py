"""Mise en route: each step of the setup guide with its live state, from a new integration
to a first payroll sent, and back to failing when the connection breaks."""

from __future__ import annotations

import re

import pytest

from portal import jobs
from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExpenseType,
    ExportBatch,
    HourType,
    LinkMethod,
    Project,
    RecordLink,
    RunStatus,
    SyncRun,
    SyncSection,
)
from portal.models.base import utcnow
from portal.models.schedule import ScheduleMode
from portal.services import integrations, project_links, schedules
from portal.services.setup_checklist import DONE, FAILING, TODO
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import work
from tests.fixtures.statements import counted

HTMX = {"HX-Request": "true"}
STEPS = [
    "port",
    "firewall",
    "encryption",
    "access_point",
    "test",
    "projects",
    "employees",
    "hour_types",
    "trades",
    "earnings",
    "activities",
    "schedules",
    "payroll",
]


@pytest.fixture(autouse=True)
def short_test_timeout(app):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 2.0


def states(client, integration) -> dict[str, str]:
    """Each step's state as the checklist region shows it."""
    html = _region(client, integration)
    found = re.findall(r'class="checklist-step checklist-(\w+)" data-checklist-step="(\w+)"', html)
    assert [key for _, key in found] == STEPS
    return {key: state for state, key in found}


def _region(client, integration) -> str:
    response = client.get(f"/parametres/integrations/{integration.id}/mise-en-route", headers=HTMX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _step_html(html: str, key: str) -> str:
    return html.split(f'data-checklist-step="{key}"', 1)[1].split("</li>", 1)[0]


def _sync(integration, section, admin, **options) -> SyncRun:
    run = jobs.start_sync(integration, section, admin, **options)
    work()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _give_every_type_its_code(integration) -> None:
    """What the mapping grids do: each active hour type and expense type gets a code."""
    for section, model in ((SyncSection.HOUR_TYPES, HourType), (SyncSection.EARNINGS, ExpenseType)):
        linked = set(
            db.session.scalars(
                db.select(RecordLink.local_id).where(
                    RecordLink.integration_id == integration.id, RecordLink.entity == section
                )
            )
        )
        for local in db.session.scalars(
            db.select(model).where(model.company_id == integration.company_id, model.active)
        ):
            if local.id not in linked:
                db.session.add(
                    RecordLink(
                        company_id=integration.company_id,
                        integration_id=integration.id,
                        entity=section,
                        remote_key=f"CODE-{local.id}",
                        local_id=local.id,
                        method=LinkMethod.MANUAL,
                    )
                )
    db.session.commit()


def test_a_new_integration_opens_with_every_step_to_do(client, integration):
    assert set(states(client, integration).values()) == {TODO}
    page = client.get(f"/parametres/integrations/{integration.id}").get_data(as_text=True)
    assert "Mise en route" in page and "<details open>" in page
    assert "0 étape(s) sur 13 faite(s)" in page
    assert "Aucun point d&#39;accès : ajoutez celui de votre serveur Avantage." in page


def test_each_step_follows_the_data_until_the_checklist_folds_then_comes_back(
    client, superadmin, simulator, make_work_data, rq
):
    work_data = make_work_data(superadmin.company)
    # A type of the portal's own that Avantage has no code for: the grid must map it.
    db.session.add(HourType(company=superadmin.company, code="NUIT", name="Prime de nuit"))
    db.session.commit()
    integration = connect_avantage(superadmin, simulator)
    assert states(client, integration)["access_point"] == DONE
    point = integration.default_access_point
    tested = client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/tester", headers=HTMX
    )
    assert tested.status_code == 200
    found = states(client, integration)
    assert [found[key] for key in STEPS[:5]] == [DONE] * 5
    assert "Avantage 7.40" in _step_html(_region(client, integration), "test")

    for section in (SyncSection.PROJECTS, SyncSection.EMPLOYEES, SyncSection.TRADES):
        _sync(integration, section, superadmin)
    _sync(integration, SyncSection.HOUR_TYPES, superadmin)
    _sync(integration, SyncSection.EARNINGS, superadmin)
    html = _region(client, integration)
    found = states(client, integration)
    assert found["projects"] == found["employees"] == found["trades"] == DONE
    # A mapping grid is to do while one of the portal's active types has no Avantage code.
    hour_types = _step_html(html, "hour_types")
    assert found["hour_types"] == TODO and "choisissez le code d&#39;Avantage" in hour_types
    _give_every_type_its_code(integration)
    found = states(client, integration)
    assert found["hour_types"] == found["earnings"] == DONE

    assert "Aucun projet lié" in _step_html(_region(client, integration), "activities")
    project = work_data["project"]
    project_links.link_project(integration, project, "24-101", superadmin)
    db.session.commit()
    html = _region(client, integration)
    assert states(client, integration)["activities"] == TODO
    assert f"/projets/{project.id}/integration" in _step_html(html, "activities")
    _sync(integration, SyncSection.ACTIVITIES, superadmin, project=project)
    assert "1 projet(s) lié(s) sur 1" in _step_html(_region(client, integration), "activities")

    schedules.save_schedule(
        integration, SyncSection.EMPLOYEES, None, ScheduleMode.HOURLY, None, superadmin
    )
    db.session.add(
        ExportBatch(
            company_id=superadmin.company_id,
            integration_id=integration.id,
            status=BatchStatus.COMMITTED,
            avantage_batch="TS-000001",
            sheet_count=1,
            line_count=3,
            finished_at=utcnow(),
        )
    )
    db.session.commit()
    assert set(states(client, integration).values()) == {DONE}
    page = client.get(f"/parametres/integrations/{integration.id}").get_data(as_text=True)
    assert "<details>" in page and "Terminée : 13 étapes sur 13" in page
    assert "Lot TS-000001 : 3 ligne(s) de 1 feuille(s)." in page

    # The password changed in Avantage: the next test fails, and the checklist opens again.
    integrations.save_access_point(
        superadmin.company_id,
        superadmin,
        integration,
        integrations.AccessPointData(
            url=simulator.url,
            username=simulator.user,
            password="mauvais-mot-de-passe",
            encryption_key=simulator.key or "",
        ),
        allow_private=True,
        point=point,
    )
    db.session.commit()
    client.post(f"/parametres/integrations/{integration.id}/points/{point.id}/tester", headers=HTMX)
    found = states(client, integration)
    assert found["test"] == FAILING and found["port"] == found["firewall"] == DONE
    page = client.get(f"/parametres/integrations/{integration.id}").get_data(as_text=True)
    assert "<details open>" in page and "1 en échec" in page
    assert "mot de passe" in _step_html(page, "test")


def test_a_failed_run_says_what_happened_and_what_to_do(client, superadmin, integration):
    db.session.add(
        SyncRun(
            company_id=superadmin.company_id,
            integration_id=integration.id,
            section=SyncSection.EMPLOYEES,
            lock_key="x",
            active=False,
            status=RunStatus.FAILED,
            finished_at=utcnow(),
            error={
                "message_fr": "Avantage n'a pas répondu à temps.",
                "message_en": "Avantage did not answer in time.",
                "fix_fr": "Vérifiez que MainTCP est démarré, puis relancez.",
                "fix_en": "Check that MainTCP is running, then start again.",
            },
        )
    )
    db.session.commit()
    html = _region(client, integration)
    assert states(client, integration)["employees"] == FAILING
    step = _step_html(html, "employees")
    assert "Avantage n&#39;a pas répondu à temps." in step
    assert "Vérifiez que MainTCP est démarré, puis relancez." in step


def _linked_projects(superadmin, integration, first: int, count: int) -> None:
    for number in range(first, first + count):
        project = Project(company_id=superadmin.company_id, number=f"P-{number}", name="Chantier")
        db.session.add(project)
        db.session.flush()
        db.session.add_all(
            [
                RecordLink(
                    company_id=superadmin.company_id,
                    integration_id=integration.id,
                    entity=SyncSection.PROJECTS,
                    remote_key=f"P-{number}",
                    local_id=project.id,
                    method=LinkMethod.MANUAL,
                ),
                SyncRun(
                    company_id=superadmin.company_id,
                    integration_id=integration.id,
                    section=SyncSection.ACTIVITIES,
                    project_id=project.id,
                    lock_key=f"p{project.id}",
                    active=False,
                    status=RunStatus.SUCCEEDED,
                    finished_at=utcnow(),
                ),
            ]
        )
    db.session.commit()


def test_the_checklist_costs_the_same_for_2_and_20_linked_projects(client, superadmin, integration):
    _linked_projects(superadmin, integration, 0, 2)
    _region(client, integration)  # the company's time zone, read once then kept
    assert integration.id  # loaded again after the commit, before counting
    with counted() as few:
        html = _region(client, integration)
    assert "2 projet(s) lié(s) sur 2" in html
    _linked_projects(superadmin, integration, 2, 18)
    assert integration.id
    with counted() as many:
        html = _region(client, integration)
    assert "20 projet(s) lié(s) sur 20" in html
    assert len(many) == len(few)


def test_another_companys_checklist_is_not_found(
    client, integration, make_company, make_user, auth
):
    auth.login(make_user("superadmin", company=make_company()))
    response = client.get(f"/parametres/integrations/{integration.id}/mise-en-route", headers=HTMX)
    assert response.status_code == 404
