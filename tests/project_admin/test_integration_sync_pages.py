"""The per-project sections over HTTP: Synchroniser with its live progress and history, the
activities on both sides, and the budget columns of the project's activity table."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.formatting import hours as format_hours
from portal.formatting import local_datetime
from portal.models import (
    Activity,
    RecordLink,
    RunStatus,
    SyncRun,
    SyncSection,
    TimesheetStatus,
)
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true"}


def section_url(project, integration, slug: str) -> str:
    return f"/projets/{project.id}/integration/{integration.id}/{slug}"


def latest_run() -> SyncRun:
    db.session.expire_all()
    return db.session.scalar(db.select(SyncRun).order_by(SyncRun.id.desc()).limit(1))


def row(html: str, code: str) -> str:
    """The activity table row of ``code`` on the project page."""
    match = re.search(
        rf'<tr id="activity-\d+"[^>]*>\s*<td><strong>{re.escape(code)}</strong>.*?</tr>', html, re.S
    )
    assert match, code
    return match.group(0)


def cell(html: str, column: str) -> str:
    return re.search(rf'data-col="{column}">([^<]*)<', html).group(1)


@pytest.fixture
def linked(listed, project, link):
    link(listed.integration, project, "24-103")
    return listed


def start(client, project, integration, slug: str, **form):
    response = client.post(section_url(project, integration, slug), data=form, headers=HTMX)
    work()
    return response


def test_synchronise_activities_with_live_progress_and_history(client, rq, linked, project):
    url = section_url(project, linked.integration, "activites")
    response = client.post(url, headers=HTMX)
    assert response.status_code == 200
    run = latest_run()
    assert (run.section, run.project_id, run.status) == (
        SyncSection.ACTIVITIES,
        project.id,
        RunStatus.QUEUED,
    )
    assert 'id="sync-progress"' in response.text
    assert f'hx-get="/synchro/executions/{run.id}?poll=1&amp;said=queued"' in response.text
    assert "Annuler" in response.text
    work()
    done = client.get(f"/synchro/executions/{run.id}?poll=1", headers=HTMX)
    assert done.status_code == 286
    summary = json.loads(done.headers["HX-Trigger"])["toast"]["message"]
    assert summary == "Synchronisation Activités terminée. 8 créés."
    page = client.get(url)
    assert page.text.count("Créé par la synchronisation") == 8
    assert "03-100 — Coffrage" in page.text and 'id="sync-history"' in page.text
    assert f'hx-get="{url}/historique"' in page.text
    history = client.get(f"{url}/historique", headers=HTMX)
    assert "Initiale" in history.text and "8 créés" in history.text
    table = client.get(url, headers={**HTMX, "HX-Target": "project-sync-table"})
    assert table.text.lstrip().startswith("<section") and "Coffrage" in table.text


def test_a_relinked_project_gets_a_full_run_and_its_activities_follow(client, rq, linked, project):
    start(client, project, linked.integration, "activites")
    assert latest_run().created == 8
    client.post(
        f"/projets/{project.id}/integration/{linked.integration.id}/lien",
        data={"avantage_project": "24-104"},
        headers=HTMX,
    )
    start(client, project, linked.integration, "activites")
    run = latest_run()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.full, run.since, run.linked, run.created) == (True, None, 8, 0)
    keys = db.session.scalars(
        db.select(RecordLink.remote_key).where(RecordLink.entity == SyncSection.ACTIVITIES)
    ).all()
    assert sorted(keys) == sorted(f"24-104|{code}" for code in _codes(project))


def _codes(project) -> list[str]:
    return list(
        db.session.scalars(db.select(Activity.code).where(Activity.project_id == project.id))
    )


def test_the_project_page_shows_the_budget_beside_the_hours_entered(
    app, client, rq, linked, project, enter_hours
):
    start(client, project, linked.integration, "activites")
    formwork = db.session.scalar(db.select(Activity).where(Activity.code == "03-100"))
    enter_hours(formwork, "10.00", TimesheetStatus.VALIDATED)
    enter_hours(formwork, "99.00", TimesheetStatus.DRAFT)
    start(client, project, linked.integration, "budget")
    run = latest_run()
    remote = linked.budget("24-103", "03-100")
    page = client.get(f"/projets/{project.id}")
    assert "Heures saisies (soumises, validées, gelées)" in page.text
    assert "Écart (h) : budget − saisies" in page.text
    with app.test_request_context():
        budget_hours = Decimal(remote["budget_hours"])
        expected = {
            "budget_hours": format_hours(budget_hours),
            "portal_hours": format_hours(Decimal("10.00")),
            "variance_hours": format_hours(budget_hours - Decimal("10.00")),
            "actual_hours": format_hours(Decimal(remote["actual_hours"])),
        }
        synced = local_datetime(run.finished_at)
    formwork_row = row(page.text, "03-100")
    for column, text in expected.items():
        assert cell(formwork_row, column) == text, column
    assert cell(row(page.text, "01-100"), "portal_hours") == format_hours(Decimal("0"))
    assert synced in page.text and "Budget d'Avantage du projet 24-103" in page.text


def test_an_edited_row_keeps_its_budget_columns(client, rq, linked, project):
    start(client, project, linked.integration, "activites")
    start(client, project, linked.integration, "budget")
    activity = db.session.scalar(db.select(Activity).where(Activity.code == "03-100"))
    response = client.post(
        f"/projets/{project.id}/activites/{activity.id}",
        data={f"activite-{activity.id}-code": "03-100", f"activite-{activity.id}-name": "Coffrage"},
        headers={**HTMX, "HX-Target": f"activity-{activity.id}"},
    )
    assert response.status_code == 200
    assert (
        'data-col="budget_hours"' in response.text and 'data-col="variance_hours"' in response.text
    )


def test_a_removed_activity_is_flagged_on_the_project_page(client, rq, linked, project):
    start(client, project, linked.integration, "activites")
    linked.simulator.server.dataset.remove("activities", ("24-103", "15-400"))
    start(client, project, linked.integration, "activites", full="y")
    assert latest_run().removed == 1
    page = client.get(f"/projets/{project.id}")
    assert "Retiré d'Avantage" in row(page.text, "15-400")
    assert "Retiré d'Avantage" not in row(page.text, "16-100")
    console = client.get(section_url(project, linked.integration, "activites"))
    assert console.text.count("Retiré d'Avantage") == 1


def test_an_unlinked_project_has_no_budget_columns(client, listed, project):
    page = client.get(f"/projets/{project.id}")
    assert page.status_code == 200 and "Heures saisies" not in page.text
