"""The project list says why it is empty: no project yet, or none matching the filters."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Project

HTMX_LIST = {"HX-Request": "true", "HX-Target": "project-list"}
FILTERED = "Aucun projet ne correspond à ces filtres."
EMPTY = "Aucun projet pour l'instant."


@pytest.fixture
def manager(make_user, auth):
    return auth.login(make_user("manager"))


@pytest.mark.parametrize("query", ["", "?q=", "?q=+++&statut=", "?page=1"])
def test_no_project_and_no_filter_says_there_is_none_yet(client, manager, query):
    page = client.get(f"/projets/{query}").text
    assert EMPTY in page.replace("&#39;", "'") and FILTERED not in page
    assert 'href="/projets/nouveau"' in page


@pytest.mark.parametrize("query", ["?q=zzz", "?statut=closed", "?q=24-1&statut=closed"])
def test_an_empty_filtered_list_says_the_filters_hide_them(client, manager, query):
    db.session.add(Project(company_id=manager.company_id, number="24-101", name="Résidence"))
    db.session.commit()
    response = client.get(f"/projets/{query}", headers=HTMX_LIST)
    assert FILTERED in response.text and EMPTY not in response.text.replace("&#39;", "'")
    assert "Effacer les filtres" in response.text
    assert "24-101" in client.get("/projets/").text
