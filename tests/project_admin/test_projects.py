"""Projets and Admin du projet: the list, the project's facts, its activities."""

from __future__ import annotations

import json
import re

import pytest
from flask import render_template_string
from markupsafe import escape

from portal.blueprints.project_admin.projects import page_context
from portal.errors import NotFoundError
from portal.extensions import db
from portal.models import Activity, AuditEvent, Project, ProjectStatus
from portal.services import projects

HTMX = {"HX-Request": "true"}


def htmx_to(target: str) -> dict:
    return {"HX-Request": "true", "HX-Target": target}


def toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def shown(message: str, response) -> bool:
    return str(escape(message)) in response.text


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def project_ids(response) -> list[str]:
    return re.findall(r'<tr id="project-(\d+)"', response.text)


@pytest.fixture
def manager(make_user, auth):
    return auth.login(make_user("manager"))


@pytest.fixture
def work(make_work_data, company):
    return make_work_data(company)


def add_projects(company, n: int, **fields) -> list[Project]:
    made = [
        Project(company=company, number=f"P-{i:03d}", name=f"Chantier {i}", **fields)
        for i in range(n)
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_number_name_status_and_activity_count(client, manager, work):
    work["framing"].active = False
    db.session.commit()
    response = client.get("/projets/")
    assert response.status_code == 200
    row = re.search(r'<tr id="project-\d+".*?</tr>', response.text, re.S).group(0)
    assert "24-101" in row and "Résidence Tremblay — Lévis" in row and "Actif" in row
    assert re.search(r'class="num">\s*2\s', row) and "(1 inactive)" in row


def test_the_list_is_paginated_by_25(client, manager, company):
    add_projects(company, 30)
    first = client.get("/projets/")
    assert len(project_ids(first)) == 25 and "Page 1 sur 2" in first.text
    second = client.get("/projets/?page=2", headers=htmx_to("project-list"))
    assert len(project_ids(second)) == 5 and "<html" not in second.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"24-101", "P-000", "P-001", "F-1"}),
        ("?q=tremblay", {"24-101"}),
        ("?q=p-00", {"P-000", "P-001"}),
        ("?q=%25", set()),  # a LIKE wildcard is searched literally
        ("?statut=closed", {"F-1"}),
        ("?statut=active&q=chantier", {"P-000", "P-001"}),
        ("?statut=nimporte", {"24-101", "P-000", "P-001", "F-1"}),
    ],
)
def test_filters(client, manager, work, company, query, expected):
    add_projects(company, 2)
    db.session.add(
        Project(company=company, number="F-1", name="Fermé", status=ProjectStatus.CLOSED)
    )
    db.session.commit()
    response = client.get(f"/projets/{query}", headers=htmx_to("project-list"))
    assert response.status_code == 200
    numbers = {db.session.get(Project, int(i)).number for i in project_ids(response)}
    assert numbers == expected


def test_filters_are_kept_by_the_pagination_links(client, manager, company):
    add_projects(company, 30)
    page = client.get("/projets/?q=chantier&statut=active")
    link = re.search(r'href="([^"]+)" rel="next"', page.text).group(1)
    assert "q=chantier" in link and "statut=active" in link and "page=2" in link


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999999999999999999999"])
def test_odd_page_numbers_never_fail(client, manager, page):
    assert client.get(f"/projets/?page={page}").status_code == 200


# --- adding and editing a project -------------------------------------------------------------


def test_create_a_project_through_htmx(client, manager):
    response = client.post(
        "/projets/nouveau",
        data={"number": " 25-001 ", "name": "Garage  Lévesque", "status": "active"},
        headers=htmx_to("project-form"),
    )
    project = db.session.scalar(db.select(Project))
    assert (project.number, project.name, project.status, project.company_id) == (
        "25-001",
        "Garage Lévesque",
        ProjectStatus.ACTIVE,
        manager.company_id,
    )
    assert response.headers["HX-Redirect"] == f"/projets/{project.id}"
    page = client.get(f"/projets/{project.id}")
    assert "Projet 25-001 — Garage Lévesque ajouté." in page.text
    event = db.session.scalar(db.select(AuditEvent))
    assert (event.action, event.target_id, event.user_id) == (
        "project.create",
        project.id,
        manager.id,
    )


def test_create_without_htmx_redirects(client, manager):
    response = client.post("/projets/nouveau", data={"number": "1", "name": "A"})
    project = db.session.scalar(db.select(Project))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projets/{project.id}")


LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"number": "", "name": "A"}, "number", "Entrez le numéro du projet."),
        ({"number": LONG, "name": "A"}, "number", "Maximum 30 caractères."),
        ({"number": " 24-101", "name": "A"}, "number", "est déjà celui du projet"),
        ({"number": "1", "name": " "}, "name", "Entrez le nom du projet."),
        ({"number": "1", "name": LONG}, "name", "Maximum 160 caractères."),
        ({"number": "1", "name": "A", "status": "ouvert"}, "status", "Choisissez un statut"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_project_input_is_reported_inline_and_nothing_is_saved(
    client, manager, work, data, field, message, htmx
):
    response = client.post(
        "/projets/nouveau", data=data, headers=htmx_to("project-form") if htmx else {}
    )
    assert response.status_code == 200
    assert shown(message, response)
    assert f'aria-describedby="{field}-error"' in response.text
    assert ("<html" in response.text) is not htmx
    assert count(Project) == 1
    assert audit_actions() == []


def test_edit_the_project_in_place(client, manager, work):
    project = work["project"]
    form = client.get(f"/projets/{project.id}/modifier", headers=htmx_to("project-facts"))
    assert 'id="project-facts"' in form.text and 'name="number"' in form.text
    response = client.post(
        f"/projets/{project.id}",
        data={"number": "24-101", "name": "Résidence Tremblay", "status": "closed"},
        headers=htmx_to("project-facts"),
    )
    assert response.status_code == 200
    assert toast(response) == "Projet 24-101 — Résidence Tremblay enregistré."
    assert "<dl" in response.text and "Fermé" in response.text
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert (project.name, project.status) == ("Résidence Tremblay", ProjectStatus.CLOSED)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "project.update"))
    assert event.details == {"status": "closed", "previous_status": "active"}
    cancel = client.get(f"/projets/{project.id}", headers=htmx_to("project-facts"))
    assert "<dl" in cancel.text and "<html" not in cancel.text


def test_project_edit_errors_change_nothing(client, manager, work, company):
    other = add_projects(company, 1)[0]
    response = client.post(
        f"/projets/{work['project'].id}",
        data={"number": other.number.lower(), "name": "Autre nom", "status": "active"},
        headers=htmx_to("project-facts"),
    )
    assert shown("Le numéro P-000 est déjà celui du projet « Chantier 0 ».", response)
    assert 'id="project-facts"' in response.text and "<form" in response.text
    db.session.expire_all()
    assert db.session.get(Project, work["project"].id).name == "Résidence Tremblay — Lévis"


def test_project_edit_without_htmx(client, manager, work):
    project = work["project"]
    page = client.get(f"/projets/{project.id}/modifier")
    assert "<html" in page.text and 'name="number"' in page.text
    response = client.post(
        f"/projets/{project.id}", data={"number": "24-101", "name": "N", "status": "active"}
    )
    assert response.status_code == 303


# --- activities ------------------------------------------------------------------------------


def test_add_an_activity(client, manager, work):
    project = work["project"]
    response = client.post(
        f"/projets/{project.id}/activites",
        data={"activite-code": " 09-900 ", "activite-name": "Peinture"},
        headers=htmx_to("activity-list"),
    )
    assert response.status_code == 200
    assert toast(response) == "Activité 09-900 — Peinture ajoutée."
    assert 'id="activity-list"' in response.text and "<html" not in response.text
    activity = db.session.scalar(db.select(Activity).where(Activity.code == "09-900"))
    assert (activity.project_id, activity.company_id, activity.active) == (
        project.id,
        project.company_id,
        True,
    )
    assert audit_actions() == ["activity.create"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"activite-code": "", "activite-name": "A"}, "code", "Entrez le code de l'activité."),
        ({"activite-code": LONG, "activite-name": "A"}, "code", "Maximum 30 caractères."),
        (
            {"activite-code": " 03-100 ", "activite-name": "A"},
            "code",
            "Le code 03-100 est déjà celui de l'activité « Coffrage » de ce projet.",
        ),
        ({"activite-code": "X", "activite-name": ""}, "name", "Entrez le nom de l'activité."),
        ({"activite-code": "X", "activite-name": LONG}, "name", "Maximum 160 caractères."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_activity_input_is_reported_inline_and_nothing_is_saved(
    client, manager, work, data, field, message, htmx
):
    response = client.post(
        f"/projets/{work['project'].id}/activites",
        data=data,
        headers=htmx_to("activity-list") if htmx else {},
    )
    assert response.status_code == 200
    assert shown(message, response)
    assert f'aria-describedby="activite-{field}-error"' in response.text
    assert ("<html" in response.text) is not htmx
    assert count(Activity) == 2
    assert audit_actions() == []


def test_the_same_code_is_fine_in_another_project(client, manager, work, company):
    other = add_projects(company, 1)[0]
    client.post(
        f"/projets/{other.id}/activites",
        data={"activite-code": "03-100", "activite-name": "Coffrage"},
        headers=HTMX,
    )
    assert count(Activity) == 3


def test_edit_an_activity_row(client, manager, work):
    project, activity = work["project"], work["formwork"]
    url = f"/projets/{project.id}/activites/{activity.id}"
    form = client.get(f"{url}/modifier", headers=htmx_to(f"activity-{activity.id}"))
    assert form.text.lstrip().startswith(f'<tr id="activity-{activity.id}" class="editing">')
    assert f'name="activite-{activity.id}-code"' in form.text
    bad = client.post(
        url,
        data={f"activite-{activity.id}-code": "06-100", f"activite-{activity.id}-name": "X"},
        headers=HTMX,
    )
    assert "est déjà celui de" in bad.text and 'class="editing"' in bad.text
    response = client.post(
        url,
        data={f"activite-{activity.id}-code": "03-110", f"activite-{activity.id}-name": "Coffrage"},
        headers=HTMX,
    )
    assert toast(response) == "Activité 03-110 — Coffrage enregistrée."
    assert response.text.lstrip().startswith(f'<tr id="activity-{activity.id}" class="">')
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).code == "03-110"
    assert audit_actions() == ["activity.update"]
    cancel = client.get(url, headers=htmx_to(f"activity-{activity.id}"))
    assert cancel.text.lstrip().startswith("<tr")


def test_edit_an_activity_without_htmx(client, manager, work):
    project, activity = work["project"], work["formwork"]
    page = client.get(f"/projets/{project.id}/activites/{activity.id}/modifier")
    assert "<html" in page.text and f'name="activite-{activity.id}-code"' in page.text
    response = client.post(
        f"/projets/{project.id}/activites/{activity.id}",
        data={f"activite-{activity.id}-code": "03-100", f"activite-{activity.id}-name": "Neuf"},
    )
    assert response.status_code == 303


def test_deactivate_and_reactivate_an_activity(client, manager, work):
    project, activity = work["project"], work["formwork"]
    page = client.get(f"/projets/{project.id}")
    assert "hx-confirm=" in page.text
    url = f"/projets/{project.id}/activites/{activity.id}"
    response = client.post(f"{url}/desactiver", headers=HTMX)
    assert response.status_code == 200
    assert "désactivée" in toast(response)
    assert 'class="inactive"' in response.text and "Réactiver" in response.text
    db.session.expire_all()
    assert not db.session.get(Activity, activity.id).active
    client.post(f"{url}/desactiver", headers=HTMX)  # a double click records nothing more
    assert client.post(f"{url}/reactiver").status_code == 303
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).active
    assert audit_actions() == ["activity.deactivate", "activity.activate"]


def test_an_activity_of_another_project_is_not_found(client, manager, work, company):
    other = add_projects(company, 1)[0]
    activity = work["formwork"]
    for method, suffix in [
        ("GET", ""),
        ("GET", "/modifier"),
        ("POST", ""),
        ("POST", "/desactiver"),
    ]:
        url = f"/projets/{other.id}/activites/{activity.id}{suffix}"
        data = {f"activite-{activity.id}-code": "Z", f"activite-{activity.id}-name": "Z"}
        assert client.open(url, method=method, data=data).status_code == 404, url
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert (activity.code, activity.active, activity.project_id) == (
        "03-100",
        True,
        work["project"].id,
    )


# --- the page's structure ---------------------------------------------------------------------


def test_the_project_page_has_blocks_for_later_sections(app, client, manager, work):
    """A later issue adds sections (integrations) by filling a block, not by rewriting the page."""
    page = client.get(f"/projets/{work['project'].id}")
    assert "Admin du projet" in page.text and "Activités" in page.text
    assert "Configuration d'intégrations" not in page.text
    with app.test_request_context():
        html = render_template_string(
            '{% extends "project_admin/project.html" %}'
            '{% block extra_sections %}<section id="later">Plus tard</section>{% endblock %}',
            **page_context(work["project"]),
        )
    assert html.index('id="activity-list"') < html.index('id="later"')


# --- permissions, tenancy, hostile input -------------------------------------------------------


def routes(project_id: int, activity_id: int) -> list[tuple[str, str]]:
    base = f"/projets/{project_id}"
    return [
        ("GET", "/projets/"),
        ("GET", "/projets/nouveau"),
        ("POST", "/projets/nouveau"),
        ("GET", base),
        ("GET", f"{base}/modifier"),
        ("POST", base),
        ("POST", f"{base}/activites"),
        ("GET", f"{base}/activites/{activity_id}"),
        ("GET", f"{base}/activites/{activity_id}/modifier"),
        ("POST", f"{base}/activites/{activity_id}"),
        ("POST", f"{base}/activites/{activity_id}/desactiver"),
        ("POST", f"{base}/activites/{activity_id}/reactiver"),
    ]


def hostile_data(activity_id: int) -> dict:
    return {
        "number": "PRIS",
        "name": "Pris",
        "status": "closed",
        "activite-code": "PRIS",
        "activite-name": "Pris",
        f"activite-{activity_id}-code": "PRIS",
        f"activite-{activity_id}-name": "Pris",
    }


def assert_unchanged(work) -> None:
    db.session.expire_all()
    project = db.session.get(Project, work["project"].id)
    activity = db.session.get(Activity, work["formwork"].id)
    assert (project.number, project.status) == ("24-101", ProjectStatus.ACTIVE)
    assert (activity.code, activity.active) == ("03-100", True)
    assert (count(Project), count(Activity)) == (1, 2)
    assert audit_actions() == []


@pytest.mark.parametrize("role", ["employee", "validator", "ts_admin"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_only_managers_get_in(client, auth, make_user, work, role, htmx):
    auth.login(make_user(role))
    for method, url in routes(work["project"].id, work["formwork"].id):
        response = client.open(
            url,
            method=method,
            data=hostile_data(work["formwork"].id) if method == "POST" else None,
            headers=HTMX if htmx else {},
        )
        assert response.status_code == 403, (method, url)
        if htmx:
            assert toast(response)
    assert_unchanged(work)


def test_another_companys_ids_are_not_found(client, auth, make_user, make_company, work):
    auth.login(make_user("manager", company=make_company("Autre compagnie")))
    for method, url in routes(work["project"].id, work["formwork"].id)[3:]:
        response = client.open(url, method=method, data=hostile_data(work["formwork"].id))
        assert response.status_code == 404, (method, url)
    assert "24-101" not in client.get("/projets/").text
    assert_unchanged(work)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/projets/abc"),
        ("GET", "/projets/1.5"),
        ("GET", "/projets/-1/modifier"),
        ("GET", "/projets/99999999999999999999"),
        ("POST", "/projets/99999999999999999999/activites"),
        ("GET", "/projets/1/activites/abc"),
        ("POST", "/projets/1/activites/99999999999999999999/desactiver"),
    ],
)
def test_ids_that_are_not_numbers_or_too_large_are_404(client, manager, work, method, url):
    assert client.open(url, method=method).status_code == 404


def test_names_are_escaped(client, manager, work):
    hostile = "<script>alert('x')</script>"
    client.post("/projets/nouveau", data={"number": "<b>1</b>", "name": hostile})
    project = db.session.scalar(db.select(Project).where(Project.number == "<b>1</b>"))
    client.post(
        f"/projets/{project.id}/activites",
        data={"activite-code": "<i>A</i>", "activite-name": hostile},
    )
    for page in (client.get("/projets/"), client.get(f"/projets/{project.id}")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<b>1" not in page.text
        assert "<i>A" not in page.text
        assert "&lt;script&gt;" in page.text


# --- the service ----------------------------------------------------------------------------


def test_activity_counts(app, work, company):
    empty = add_projects(company, 1)[0]
    work["framing"].active = False
    db.session.commit()
    counts = projects.activity_counts(company.id, [work["project"], empty])
    assert counts == {work["project"].id: projects.ActivityCount(total=2, active=1)}


def test_saving_an_activity_through_the_wrong_project_is_refused(app, make_user, work, company):
    other = add_projects(company, 1)[0]
    actor = make_user("manager")
    with pytest.raises(NotFoundError):
        projects.save_activity(
            company.id, actor, other, projects.ActivityData("Z", "Z"), work["formwork"]
        )
