"""The employee pickers' search: reviewers only, one company, a screenful, homonyms told apart
by their number — through the service and through the options endpoint."""

from __future__ import annotations

import re

import pytest

from portal.errors import NotFoundError, PermissionDeniedError
from portal.extensions import db
from portal.services import employee_search

URL = "/feuilles-de-temps/employes/options"
HTMX = {"HX-Request": "true"}


def options(response) -> list[str]:
    """The labels of the answered options, the placeholder first."""
    return re.findall(r"<option [^>]*>([^<]*)</option>", response.text)


def status(response) -> str:
    return re.search(r'<small id="employe-status"[^>]*>(.*?)</small>', response.text, re.S)[1]


@pytest.fixture
def homonyms(make_user):
    return [
        make_user("employee", first_name="Josée", last_name="Tremblay", employee_number="0042"),
        make_user("employee", first_name="Josée", last_name="Tremblay", employee_number="0107"),
    ]


def test_homonyms_are_told_apart_by_their_number(client, auth, people, homonyms):
    auth.login(people["validator"])
    response = client.get(
        URL, query_string={"recherche": "josee tremb", "cible": "employe"}, headers=HTMX
    )
    assert response.status_code == 200
    assert options(response) == [
        "— Choisir un employé —",
        "Tremblay, Josée (0042)",
        "Tremblay, Josée (0107)",
    ]
    assert status(response) == "2 employés trouvés."


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Josée Tremblay", 2),  # as the name is written
        ("Tremblay, Josée", 2),  # as the picker writes it
        ("TREMBLAY", 2),
        ("107", 1),  # a part of the number
        ("0107", 1),
        ("josée roy", 0),  # every word must match the same person
    ],
)
def test_search_by_name_or_number_without_case_or_accents(people, homonyms, text, found):
    matches = employee_search.search_employees(
        people["validator"].company_id, people["validator"], text
    )
    assert [person.last_name for person in matches.people] == ["Tremblay"] * found


def test_a_search_lists_a_screenful_and_says_there_are_more(client, auth, people, make_user):
    for n in range(employee_search.LIMIT + 5):
        make_user("employee", first_name=f"Luc{n:02d}", last_name="Bernier")
    auth.login(people["validator"])
    response = client.get(
        URL, query_string={"recherche": "bernier", "cible": "employe"}, headers=HTMX
    )
    listed = options(response)[1:]
    assert len(listed) == employee_search.LIMIT
    assert listed[0].startswith("Bernier, Luc00") and listed[-1].startswith("Bernier, Luc19")
    assert status(response) == "Les 20 premiers employés trouvés : précisez la recherche."


def test_the_chosen_person_stays_listed_and_inactive_people_only_when_asked(
    client, auth, people, homonyms
):
    homonyms[1].active = False
    db.session.commit()
    auth.login(people["ts_admin"])
    query = {"recherche": "tremblay", "cible": "employe", "employe": people["owner"].id}
    active = options(client.get(URL, query_string={**query, "actifs": "1"}, headers=HTMX))
    assert active == ["— Choisir un employé —", "Gagnon, Émile (1001)", "Tremblay, Josée (0042)"]
    every = client.get(URL, query_string={**query, "vide": "tous"}, headers=HTMX)
    assert options(every) == [
        "Tous les employés",
        "Gagnon, Émile (1001)",
        "Tremblay, Josée (0042)",
        "Tremblay, Josée (0107) — inactif",
    ]
    assert f'<option value="{people["owner"].id}" selected>' in every.text


def test_nobody_found_says_so(client, auth, people):
    auth.login(people["validator"])
    response = client.get(
        URL, query_string={"recherche": "Zénon", "cible": "employe"}, headers=HTMX
    )
    assert options(response) == ["— Choisir un employé —"]
    assert status(response) == "Aucun employé ne correspond à « Zénon »."


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_people_who_see_only_their_own_sheets_cannot_search(client, auth, people, role):
    auth.login(people[role])
    response = client.get(URL, query_string={"recherche": "a", "cible": "employe"}, headers=HTMX)
    assert response.status_code == 403
    with pytest.raises(PermissionDeniedError):
        employee_search.search_employees(people[role].company_id, people[role], "a")


def test_another_company_is_neither_listed_nor_kept(client, auth, people, make_company, make_user):
    other = make_company("Toitures Lévis")
    stranger = make_user("employee", company=other, first_name="Josée", last_name="Tremblay")
    auth.login(people["validator"])
    response = client.get(
        URL, query_string={"recherche": "tremblay", "cible": "employe"}, headers=HTMX
    )
    assert options(response) == ["— Choisir un employé —"]
    kept = client.get(
        URL,
        query_string={"recherche": "", "cible": "employe", "employe": stranger.id},
        headers=HTMX,
    )
    assert kept.status_code == 404
    with pytest.raises(NotFoundError):
        employee_search.search_employees(
            people["validator"].company_id, people["validator"], "", keep_id=stranger.id
        )


@pytest.mark.parametrize("target", ["", "1abc", 'x" onmouseover="y', "a" * 80])
def test_the_target_select_must_be_an_id(client, auth, people, target):
    auth.login(people["validator"])
    response = client.get(URL, query_string={"recherche": "a", "cible": target}, headers=HTMX)
    assert response.status_code == 400


def picker(page: str, select_id: str) -> tuple[list[str], str]:
    """A page's picker: the labels of its select's options, and its status line."""
    select = re.search(rf'<select [^>]*\bid="{select_id}"[^>]*>(.*?)</select>', page, re.S)[1]
    line = re.search(rf'<small id="{select_id}-status"[^>]*>(.*?)</small>', page, re.S)[1]
    return re.findall(r"<option [^>]*>([^<]*)</option>", select), line.strip()


def test_the_pages_pickers_list_a_screenful_whatever_the_workforce(client, auth, people, make_user):
    """The list's pickers are the empty search: the first people by name, the chosen one
    kept, and a status line saying how to reach the others; the page does not grow."""
    auth.login(people["validator"])
    sizes = []
    for batch in range(2):
        for n in range(employee_search.LIMIT):
            make_user("employee", first_name=f"Luc{batch}{n:02d}", last_name="Bernier")
        page = client.get("/feuilles-de-temps/").text
        sizes.append(len(page))
        listed, line = picker(page, "open-week-employee")
        assert len(listed) == 1 + 1 + employee_search.LIMIT  # placeholder, kept, screenful
        assert listed[1] == "Roy, Valérie (1004)"  # the person chosen (self), kept first
        assert listed[2].startswith("Bernier, Luc000 (")  # then by last name
        assert line == (
            "Les 20 premiers employés par nom : cherchez un nom ou un numéro pour les autres."
        )
        assert len(picker(page, "employe")[0]) == 1 + employee_search.LIMIT
    assert sizes[0] == sizes[1]


def test_without_javascript_the_filters_search_narrows_their_picker(client, auth, people, homonyms):
    auth.login(people["validator"])
    page = client.get("/feuilles-de-temps/", query_string={"recherche": "josée tremblay"}).text
    listed, line = picker(page, "employe")
    assert listed == ["Tous les employés", "Tremblay, Josée (0042)", "Tremblay, Josée (0107)"]
    assert line == "2 employés trouvés."
    assert 'name="recherche" value="josée tremblay"' in page
    # The field is there without JavaScript, and belongs to the filters' form.
    field = re.search(r'<input type="search" id="employe-search"[^>]*>', page)[0]
    assert " hidden" not in field and "form=" not in field
    nobody = client.get("/feuilles-de-temps/", query_string={"recherche": "zz"}).text
    assert picker(nobody, "employe") == (
        ["Tous les employés"],
        "Aucun employé ne correspond à « zz ».",
    )


def test_without_javascript_open_week_goes_to_the_person_the_search_finds(
    client, auth, people, homonyms
):
    auth.login(people["validator"])
    query = {"employe": people["validator"].id, "date": "2026-11-25"}
    one = client.get("/feuilles-de-temps/semaine", query_string={**query, "recherche": "0107"})
    assert one.headers["Location"].endswith(f"/employes/{homonyms[1].id}/2026-11-23")
    # Chosen in the narrowed list, the search still typed: the chosen person's week.
    chosen = {**query, "employe": homonyms[0].id, "recherche": "tremblay"}
    kept = client.get("/feuilles-de-temps/semaine", query_string=chosen)
    assert kept.headers["Location"].endswith(f"/employes/{homonyms[0].id}/2026-11-23")

    several = client.get(
        "/feuilles-de-temps/semaine", query_string={**query, "recherche": "tremblay"}
    )
    assert several.headers["Location"].endswith("/feuilles-de-temps/?recherche_semaine=tremblay")
    page = client.get(several.headers["Location"]).text
    assert "Plusieurs employés correspondent : choisissez dans la liste." in page
    assert picker(page, "open-week-employee")[0] == [
        "— Choisir un employé —",
        "Roy, Valérie (1004)",
        "Tremblay, Josée (0042)",
        "Tremblay, Josée (0107)",
    ]
    nobody = client.get(
        "/feuilles-de-temps/semaine",
        query_string={**query, "recherche": "Zénon"},
        follow_redirects=True,
    )
    assert "Aucun employé ne correspond à « Zénon »." in nobody.text


def test_a_page_picker_ignores_an_employee_of_another_company(
    client, auth, people, make_company, make_user
):
    stranger = make_user("employee", company=make_company("Toitures Lévis"), last_name="Roy")
    auth.login(people["validator"])
    page = client.get("/feuilles-de-temps/", query_string={"employe": stranger.id})
    assert page.status_code == 200
    assert f'value="{stranger.id}"' not in page.text
