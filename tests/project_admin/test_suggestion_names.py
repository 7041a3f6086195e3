"""The suggested Avantage project (same number) is preselected only when its name is the
portal project's too; otherwise the dropdown says so and lets the person choose."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from portal.extensions import db
from portal.models import Integration, PartnerType, Project, RemoteRecord, SyncSection, User
from portal.services import project_links
from portal.services.project_options import normalise_name

WARNING = "Même numéro, nom différent : vérifiez avant de lier."
AVANTAGE_NAME = "Résidence Bérubé — Lévis"
SECTION = {"HX-Request": "true", "HX-Target": "project-integration"}


@pytest.fixture
def admin(make_user, auth) -> User:
    return auth.login(make_user("superadmin"))


@pytest.fixture
def integration(admin) -> Integration:
    """An integration whose company sync of Projets listed 24-102, 24-103 and 24-104."""
    made = Integration(
        company_id=admin.company_id, external_id="AVANTAGE", partner_type=PartnerType.AVANTAGE
    )
    db.session.add(made)
    db.session.flush()
    for key, name in (("24-102", "Garage Roy — Québec"), ("24-103", AVANTAGE_NAME)):
        db.session.add(
            RemoteRecord(
                company_id=admin.company_id,
                integration_id=made.id,
                entity=SyncSection.PROJECTS,
                key=key,
                scope="",
                data={"id": key, "name": name, "customer": "Famille Bérubé", "status": "active"},
            )
        )
    db.session.commit()
    return made


@pytest.fixture
def make_project(admin):
    def make(name: str, number: str = "24-103") -> Project:
        project = Project(company_id=admin.company_id, number=number, name=name)
        db.session.add(project)
        db.session.commit()
        return project

    return make


def selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"[^>]*\bselected\b', html)


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Résidence Bérubé — Lévis", "residence berube levis"),
        ("  RÉSIDENCE   Bérubé,  Lévis. ", "residence berube levis"),
        ("Chalet_Poulin (phase 2)", "chalet poulin phase 2"),
        ("", ""),
    ],
)
def test_names_are_compared_without_case_accents_punctuation_or_spaces(name, normalised):
    assert normalise_name(name) == normalised


@pytest.mark.parametrize(
    ("portal_name", "same"),
    [
        ("Immeuble locatif Gagnon — Beauport", False),  # issue 12: same number, another job
        ("Résidence Bérubé", False),  # part of the name is not the name
        ("Résidence Bérubé — Lévis", True),
        ("residence berube - levis", True),
        ("  RÉSIDENCE   Bérubé, Lévis. ", True),
    ],
)
def test_a_suggestion_is_preselected_only_when_the_names_match(
    integration, make_project, portal_name, same
):
    options = project_links.avantage_projects(integration, make_project(portal_name))
    first = options.options[0]
    assert (first.id, first.suggested, first.name_differs) == ("24-103", True, not same)
    assert options.selected == ("24-103" if same else None)
    assert first.warning == (None if same else WARNING)
    assert options.doubtful == ([] if same else [first])
    assert not any(option.warning for option in options.options[1:])  # not suggestions


def test_the_current_link_stays_selected_whatever_the_names(integration, make_project, admin):
    project = make_project("Immeuble locatif Gagnon — Beauport")
    project_links.link_project(integration, project, "24-103", admin)
    db.session.commit()
    options = project_links.avantage_projects(integration, project)
    assert options.selected == "24-103" and options.options[0].current


def test_the_section_warns_and_does_not_preselect_a_different_name(
    client, integration, make_project
):
    project = make_project("Immeuble locatif Gagnon — Beauport")
    section = client.get(f"/projets/{project.id}/integration", headers=SECTION)
    assert section.status_code == 200
    assert selected(section.text) == []
    option = re.search(r'<option value="24-103"[^>]*>(.*?)</option>', section.text, re.S)[1]
    assert "Suggéré" in option and str(escape(WARNING)) in option
    warning = re.search(r'<p class="alert alert-warn name-mismatch"[^>]*>(.*?)</p>', section.text)
    assert warning and "24-103" in warning[1] and str(escape(WARNING)) in warning[1]


def test_the_section_preselects_a_matching_name_without_a_warning(
    client, integration, make_project
):
    project = make_project("RÉSIDENCE BÉRUBÉ - LÉVIS")
    section = client.get(f"/projets/{project.id}/integration", headers=SECTION)
    assert selected(section.text) == ["24-103"]
    assert "Suggéré" in section.text and str(escape(WARNING)) not in section.text


def test_the_search_keeps_the_warning(client, integration, make_project):
    project = make_project("Immeuble locatif Gagnon — Beauport")
    url = f"/projets/{project.id}/integration/{integration.id}/projets-avantage"
    found = client.get(url, query_string={"q": "24-103"}, headers={"HX-Request": "true"})
    assert selected(found.text) == [] and str(escape(WARNING)) in found.text
    other = client.get(url, query_string={"q": "garage"}, headers={"HX-Request": "true"})
    assert str(escape(WARNING)) not in other.text  # the suggestion is not among the results
