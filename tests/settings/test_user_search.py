"""Gestion des licences: a search finds a person by their full name, in either order, with or
without accents and capitals, through the page and through the service."""

from __future__ import annotations

import re

import pytest

from portal.services import users

HTMX_LIST = {"HX-Request": "true", "HX-Target": "user-list"}


@pytest.fixture
def people(make_user, auth):
    auth.login(make_user("superadmin", first_name="Patrick", last_name="Lavoie"))
    return {
        "josee": make_user("employee", first_name="Josée", last_name="Tremblay"),
        "catherine": make_user("manager", first_name="Catherine", last_name="Tremblay"),
        "emilie": make_user("employee", first_name="Émilie", last_name="Bédard"),
        "jose": make_user("employee", first_name="José", last_name="Côté"),
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("Josée Tremblay", {"josee"}),
        ("Tremblay Josée", {"josee"}),
        ("  tremblay   JOSÉE ", {"josee"}),
        ("Josee Tremblay", {"josee"}),  # accents ignored
        ("Tremblay", {"josee", "catherine"}),
        ("jos", {"josee", "jose"}),
        ("EMILIE BEDARD", {"emilie"}),
        ("Émilie Bédard", {"emilie"}),
        ("jose cote", {"jose"}),
        ("Josée Côté", set()),  # every word must match the same person
        ("Josée Tremblay 9999", set()),
    ],
)
def test_search_by_full_name_in_either_order(client, people, search, expected):
    found = users.list_users(people["josee"].company_id, search=search).items
    assert {name for name, user in people.items() if user in found} == expected
    response = client.get("/parametres/licences", query_string={"q": search}, headers=HTMX_LIST)
    ids = {int(i) for i in re.findall(r'<tr id="user-(\d+)"', response.text)}
    assert ids == {people[name].id for name in expected}


def test_the_search_stays_within_the_company(client, people, make_company, make_user):
    other = make_company("Autre inc.")
    make_user("employee", company=other, first_name="Josée", last_name="Tremblay")
    found = users.list_users(people["josee"].company_id, search="Josée Tremblay").items
    assert found == [people["josee"]]
