"""Admin du projet → Configuration d'intégrations: linking a portal project to its Avantage
project, through the service and through HTTP."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from portal.errors import PortalError, ValidationError
from portal.extensions import db, queue
from portal.models import (
    AuditEvent,
    LinkMethod,
    PartnerType,
    RecordLink,
    SyncRun,
    SyncSection,
)
from portal.services import integrations, project_links

PROJECTS = SyncSection.PROJECTS
SECTION = {"HX-Request": "true", "HX-Target": "project-integration"}


def config_url(project, integration=None) -> str:
    query = f"?integration={integration.id}" if integration else ""
    return f"/projets/{project.id}/integration{query}"


def base(project, integration) -> str:
    return f"/projets/{project.id}/integration/{integration.id}"


def toast(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


def shown(message: str, response) -> bool:
    return str(escape(message)) in response.text


def project_link(integration, project) -> RecordLink | None:
    db.session.expire_all()
    return project_links.project_link(integration, project)


def link_events() -> list[str]:
    """The audited link and unlink actions, oldest first."""
    query = db.select(AuditEvent.action).where(AuditEvent.action.startswith("link."))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def option_ids(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', html)


# --- linking rules (service) -------------------------------------------------------------------


def test_link_records_a_manual_link_to_the_avantage_id(listed, project, link):
    assert link(listed.integration, project, "24-103") is None
    saved = project_link(listed.integration, project)
    assert (saved.entity, saved.remote_key, saved.local_id, saved.method) == (
        PROJECTS,
        "24-103",
        project.id,
        LinkMethod.MANUAL,
    )
    assert link_events() == ["link.create"]


def test_an_avantage_project_is_linked_to_one_portal_project_only(
    listed, project, make_project, link, superadmin
):
    link(listed.integration, project, "24-103")
    other = make_project("24-999", "Autre chantier")
    with pytest.raises(ValidationError) as refused:
        project_links.link_project(listed.integration, other, "24-103", superadmin)
    message = refused.value.field_errors["avantage_project"]
    assert "24-103" in message and project.label in message  # names the holder
    db.session.rollback()
    assert project_link(listed.integration, other) is None
    assert project_link(listed.integration, project).remote_key == "24-103"


def test_a_closed_avantage_project_is_linked_with_a_warning(listed, project, link):
    assert listed.project("24-105")["status"] == "closed"
    warning = link(listed.integration, project, "24-105")
    assert "CLOSED_PROJECT" in warning and "24-105" in warning
    assert project_link(listed.integration, project).remote_key == "24-105"


@pytest.mark.parametrize("remote_id", ["", "99-999", "24-103 "])
def test_only_a_listed_avantage_project_can_be_linked(listed, project, superadmin, remote_id):
    with pytest.raises(ValidationError):
        project_links.link_project(listed.integration, project, remote_id, superadmin)


def test_relink_and_unlink_are_audited_and_forget_the_old_activity_links(
    listed, project, link, superadmin
):
    link(listed.integration, project, "24-103")
    db.session.add(
        RecordLink(
            company_id=project.company_id,
            integration_id=listed.integration.id,
            entity=SyncSection.ACTIVITIES,
            remote_key="24-103|03-100",
            local_id=None,
            method=LinkMethod.MANUAL,
        )
    )
    db.session.commit()
    link(listed.integration, project, "24-104")  # relink in one step
    assert project_link(listed.integration, project).remote_key == "24-104"
    assert (
        db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "24-103|03-100"))
        is None
    )
    assert project_links.unlink_project(listed.integration, project, superadmin) == "24-104"
    db.session.commit()
    assert project_link(listed.integration, project) is None
    assert link_events() == ["link.create", "link.delete", "link.create", "link.delete"]
    # The Avantage project is free again for another portal project.
    assert project_links.link_project(listed.integration, project, "24-103", superadmin) is None


def test_unlinking_a_project_that_is_not_linked_is_refused(listed, project, superadmin):
    with pytest.raises(ValidationError):
        project_links.unlink_project(listed.integration, project, superadmin)


def test_a_run_needs_a_linked_project(listed, project, link):
    with pytest.raises(PortalError, match="n'est lié à aucun projet"):
        project_links.remote_project_id(listed.integration, project)
    link(listed.integration, project, "24-103")
    assert project_links.remote_project_id(listed.integration, project) == "24-103"


# --- the dropdown (service) --------------------------------------------------------------------


def test_the_matching_number_is_suggested_first_and_selected(listed, make_project, sync_now):
    listed.simulator.server.dataset.add(
        "projects", {"id": "CH-07 A", "name": "Chalet", "status": "active", "customer": "X"}
    )
    sync_now(listed.integration, PROJECTS)
    project = make_project("ch-07   a", "Chalet")  # the same once normalised
    options = project_links.avantage_projects(listed.integration, project)
    assert [option.id for option in options.options][:2] == ["CH-07 A", "24-101"]
    assert options.options[0].suggested and options.selected == "CH-07 A"
    assert not any(option.suggested for option in options.options[1:])
    assert options.total == 13
    same_name = make_project("24-107", listed.project("24-107")["name"])
    exact = project_links.avantage_projects(listed.integration, same_name)
    assert exact.options[0].id == exact.selected == "24-107"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("24-10", [f"24-10{n}" for n in range(1, 10)]),
        ("24-112", ["24-112"]),
        ("zzz-rien", []),
    ],
)
def test_search_filters_on_the_id(listed, project, search, expected):
    options = project_links.avantage_projects(listed.integration, project, search=search)
    assert sorted(option.id for option in options.options) == expected


def test_search_filters_on_the_name_whatever_the_case(listed, project):
    name = listed.project("24-108")["name"]
    word = max(name.split(), key=len)
    options = project_links.avantage_projects(listed.integration, project, search=word.upper())
    ids = [option.id for option in options.options]
    assert "24-108" in ids
    assert all(word.casefold() in option.name.casefold() for option in options.options)


def test_options_show_customer_status_and_holder(listed, project, make_project, link):
    other = make_project("24-999", "Autre chantier")
    link(listed.integration, other, "24-101")
    options = {
        option.id: option
        for option in project_links.avantage_projects(listed.integration, project).options
    }
    assert options["24-105"].closed and options["24-110"].closed
    assert not options["24-103"].closed
    assert options["24-103"].customer == listed.project("24-103")["customer"]
    assert options["24-101"].holder.id == other.id


def test_removed_avantage_projects_are_not_offered(listed, project, sync_now):
    listed.simulator.server.dataset.remove("projects", "24-112")
    sync_now(listed.integration, PROJECTS, full=True)
    ids = [o.id for o in project_links.avantage_projects(listed.integration, project).options]
    assert "24-112" not in ids and len(ids) == 11


# --- HTTP ------------------------------------------------------------------------------------


def test_the_project_page_loads_the_section_for_a_superadmin(client, listed, project):
    page = client.get(f"/projets/{project.id}")
    assert f'hx-get="/projets/{project.id}/integration"' in page.text
    section = client.get(config_url(project), headers=SECTION)
    assert section.status_code == 200
    assert section.text.lstrip().startswith("<section")  # the fragment alone
    assert "Identifiant du projet dans Avantage" in section.text
    assert "AVANTAGE" in section.text  # the only integration, preselected
    assert option_ids(section.text)[0] == "24-103"  # suggested, first…
    assert not re.search(r'<option value="24-103"[^>]*selected', section.text)  # …named otherwise
    assert "Même numéro, nom différent" in section.text


def test_without_htmx_the_whole_project_page_has_the_section(client, listed, project):
    page = client.get(config_url(project))
    assert 'id="activity-list"' in page.text and 'id="project-integration"' in page.text


def test_the_page_says_when_the_company_sync_of_projects_has_not_run(client, avantage, project):
    page = client.get(config_url(project), headers=SECTION)
    assert "pas encore été synchronisée" in page.text
    target = f"/parametres/integrations/{avantage.integration.id}/synchro/projets"
    assert f'href="{target}"' in page.text
    assert 'name="avantage_project"' not in page.text


def test_several_integrations_are_offered_and_none_is_guessed(client, listed, project, superadmin):
    other = integrations.create_integration(
        superadmin.company_id, superadmin, "AVANTAGE-2", PartnerType.AVANTAGE.value
    )
    db.session.commit()
    page = client.get(config_url(project), headers=SECTION)
    assert "AVANTAGE-2" in page.text and 'name="avantage_project"' not in page.text
    assert "Choisissez l'intégration" in page.text
    chosen = client.get(config_url(project, other), headers=SECTION)
    assert "pas encore été synchronisée" in chosen.text  # AVANTAGE-2 never listed projects


def test_link_through_htmx(client, listed, project):
    response = client.post(
        f"{base(project, listed.integration)}/lien",
        data={"avantage_project": "24-103"},
        headers=SECTION,
    )
    assert response.status_code == 200
    assert toast(response)["level"] == "success" and "24-103" in toast(response)["message"]
    assert 'data-linked="24-103"' in response.text
    assert "Activités → Synchroniser" in response.text
    assert project_link(listed.integration, project).local_id == project.id


def test_link_without_htmx_redirects_to_the_section(client, listed, project):
    response = client.post(
        f"{base(project, listed.integration)}/lien", data={"avantage_project": "24-103"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(config_url(project, listed.integration))
    assert project_link(listed.integration, project) is not None


def test_the_second_link_is_refused_naming_the_holder(client, listed, project, make_project, link):
    holder = make_project("24-200", "Garage Côté — Québec")
    link(listed.integration, holder, "24-103")
    response = client.post(
        f"{base(project, listed.integration)}/lien",
        data={"avantage_project": "24-103"},
        headers=SECTION,
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.text and shown(holder.label, response)
    assert 'aria-invalid="true"' in response.text
    assert project_link(listed.integration, project) is None


def test_linking_a_closed_project_warns(client, listed, project):
    response = client.post(
        f"{base(project, listed.integration)}/lien",
        data={"avantage_project": "24-110"},
        headers=SECTION,
    )
    assert toast(response)["level"] == "warning"
    assert "CLOSED_PROJECT" in toast(response)["message"]
    assert "alert-warn" in response.text and "CLOSED_PROJECT" in response.text
    assert project_link(listed.integration, project).remote_key == "24-110"


def test_unlink_through_htmx(client, listed, project, link):
    link(listed.integration, project, "24-103")
    response = client.post(f"{base(project, listed.integration)}/lien/supprimer", headers=SECTION)
    assert response.status_code == 200 and "24-103" in toast(response)["message"]
    assert "data-linked" not in response.text
    assert project_link(listed.integration, project) is None
    assert link_events()[-1] == "link.delete"


def test_the_search_route_filters_and_suggests(client, listed, make_project):
    project = make_project("24-104", "Chantier")
    url = f"{base(project, listed.integration)}/projets-avantage"
    everything = client.get(url, headers={"HX-Request": "true"})
    assert option_ids(everything.text)[0] == "24-104" and "Suggéré" in everything.text
    assert len(option_ids(everything.text)) == 12
    assert "Fermé" in everything.text  # 24-105 and 24-110
    narrowed = client.get(url, query_string={"q": "24-11"}, headers={"HX-Request": "true"})
    assert option_ids(narrowed.text) == ["24-110", "24-111", "24-112"]
    word = max(listed.project("24-102")["name"].split(), key=len)
    by_name = client.get(url, query_string={"q": word.lower()}, headers={"HX-Request": "true"})
    assert "24-102" in option_ids(by_name.text)
    nothing = client.get(url, query_string={"q": "introuvable"}, headers={"HX-Request": "true"})
    assert "Aucun projet d'Avantage ne correspond" in nothing.text


def test_a_run_for_an_unlinked_project_is_refused_before_it_is_queued(client, rq, listed, project):
    response = client.post(f"{base(project, listed.integration)}/activites", headers=SECTION)
    assert response.status_code == 200
    assert toast(response)["level"] == "error"
    assert "n'est lié à aucun projet d'Avantage" in toast(response)["message"]
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 1  # the Projets run only
    assert queue.queue.count == 0
    page = client.get(f"{base(project, listed.integration)}/activites")
    assert "rien ne peut être synchronisé" in page.text


# --- permissions and tenancy -----------------------------------------------------------------


def new_routes(project, integration) -> list[tuple[str, str]]:
    root = base(project, integration)
    return [
        ("GET", config_url(project)),
        ("GET", f"{root}/projets-avantage?q=24"),
        ("POST", f"{root}/lien"),
        ("POST", f"{root}/lien/supprimer"),
        ("GET", f"{root}/activites"),
        ("POST", f"{root}/activites"),
        ("GET", f"{root}/activites/historique"),
        ("GET", f"{root}/budget"),
        ("POST", f"{root}/budget"),
        ("GET", f"{root}/budget/historique"),
    ]


@pytest.mark.parametrize("role", ["manager", "ts_admin", "validator", "employee"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_everyone_but_a_superadmin_gets_403(client, auth, make_user, listed, project, role, htmx):
    auth.login(make_user(role))
    headers = {"HX-Request": "true"} if htmx else {}
    for method, url in new_routes(project, listed.integration):
        response = client.open(
            url, method=method, data={"avantage_project": "24-103"}, headers=headers
        )
        assert response.status_code == 403, (method, url)
    assert project_link(listed.integration, project) is None
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 1


def test_a_manager_sees_the_project_page_without_the_integration_section(
    client, auth, make_user, listed, project, link
):
    link(listed.integration, project, "24-103")
    auth.login(make_user("manager"))
    page = client.get(f"/projets/{project.id}")
    assert page.status_code == 200
    assert "project-integration" not in page.text and "/integration" not in page.text


def test_another_companys_project_or_integration_is_not_found(
    client, listed, project, make_company, make_user, auth
):
    stranger = make_user("superadmin", company=make_company("Autre inc."))
    auth.login(stranger)
    for method, url in new_routes(project, listed.integration):
        response = client.open(url, method=method, data={"avantage_project": "24-103"})
        assert response.status_code == 404, (method, url)
