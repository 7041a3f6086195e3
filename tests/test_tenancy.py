"""Tenant isolation: a user of company B never reads nor changes company A's objects.

Ids in URLs (every route of ``tests/authz_table.py`` that names an object), ids in form
fields and query strings, and the lists.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.models import (
    ExpenseKind,
    ExpenseType,
    HourType,
    Integration,
    PartnerType,
    Project,
    Timesheet,
    Trade,
)
from tests.authz_table import (
    ALLOWED,
    CASES,
    HTMX,
    NEW_USER,
    NEW_WEEK,
    ROLES,
    Case,
    World,
    hour_fields,
    snapshot,
    user_fields,
)

#: Routes whose URL names no object (lists, creation forms, sign-in): their ids come in forms.
UNSCOPED = frozenset(
    {
        "auth.login",
        "auth.set_language",
        "auth.logout",
        "auth.forgot_password",
        "auth.reset_password",  # a signed token, not an id
        "home",
        "notifications.index",  # the person's own
        "history.index",  # its company's: see tests/test_history.py
        "audit_journal.index",  # its company's: see tests/test_audit_journal.py
        "audit_journal.export_csv",
        "notifications.mark_read",
        "notifications.email_preference",
        "settings.index",
        "settings.users",
        "settings.user_new",
        "settings.user_create",
        "settings.catalog_list",
        "settings.catalog_create",
        "settings.suppliers_list",  # lists its company only: see tests/sync/test_suppliers.py
        "settings.time_zone_save",  # the user's own company's
        "settings.integration_list",
        "settings.integration_create",
        "project_admin.index",
        "project_admin.new",
        "project_admin.create",
        "timesheets.index",
        "timesheets.open_week",
        "timesheets.activity_options",
        "timesheets.employee_options",  # its id is in the query: see test_employee_search.py
        "timesheets.expense_value_field",
        "timesheets.export_index",
        "timesheets.export_preview",
        "timesheets.export_preview_csv",
        "timesheets.export_send",
        "timesheets.export_batches",
    }
)
SCOPED_CASES = [case for case in CASES if case.endpoint not in UNSCOPED]


def tried_roles(rule: str) -> list[str]:
    """The least and the most privileged roles the rule admits: only the company differs."""
    admitted = [role for role in ROLES if role in ALLOWED[rule] - {"anonymous"}]
    return sorted({admitted[0], admitted[-1]})


#: (case, role of company B's user).
SCOPED = [
    pytest.param(case, role, id=f"{case.id}-{role}")
    for case in SCOPED_CASES
    for role in tried_roles(case.rule)
]


@pytest.fixture
def alpha(make_company):
    """Company A, whose ids the users of company B try."""
    return make_company("Construction Alpha inc.")


@pytest.fixture
def world_a(request, alpha):
    return lambda role="superadmin": World(alpha, role, request)


@pytest.fixture
def world_b(request, company, auth):
    """Company B's world, its actor of ``role`` signed in."""

    def make(role: str = "superadmin") -> World:
        world = World(company, role, request)
        auth.login(world.actor)
        return world

    return make


def toast(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


def test_every_route_naming_an_object_is_tried(app, world_a):
    """A case is tried across companies exactly when its URL carries an id."""
    world, adapter = world_a(), app.url_map.bind("localhost")
    for case in CASES:
        rule, arguments = adapter.match(
            urlsplit(case.build(world)[0]).path, method=case.method, return_rule=True
        )
        names_object = any(name.endswith("_id") for name in arguments)
        assert names_object == (case.endpoint not in UNSCOPED), rule.rule


@pytest.mark.parametrize(("case", "role"), SCOPED)
def test_ids_of_another_company_are_not_found(client, world_a, world_b, case: Case, role):
    a = world_a(role)
    url, data = case.build(a)
    world_b(role)
    before = snapshot()
    response = client.open(url, method=case.method, data=data, headers=case.headers)
    assert response.status_code == 404, response.text[:300]
    if case.htmx:
        assert toast(response)["level"] == "error"
    assert snapshot() == before


#: An id no row can have (beyond the INTEGER keys of both databases), as a guesser may try.
HUGE_ID = str(10**20)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in SCOPED_CASES])
def test_ids_that_cannot_exist_are_not_found(request, client, company, auth, case: Case):
    world = World(company, "superadmin", request)
    auth.login(world.actor)
    url = re.sub(r"\{\w+\.(?:id|integration_id)\}", HUGE_ID, case.url)
    response = client.open(
        world.fill(url), method=case.method, data=world.fill(case.form), headers=case.headers
    )
    assert response.status_code == 404


def test_integration_id_in_the_query_that_cannot_exist_is_not_found(request, client, company, auth):
    world = World(company, "superadmin", request)
    auth.login(world.actor)
    response = client.get(world.fill(f"/projets/{{project.id}}/integration?integration={HUGE_ID}"))
    assert response.status_code == 404


#: A parent of company B with a child of company A (or of another parent) in one URL.
MIXED = {
    "access point of A under B's integration": (
        "GET",
        lambda a, b: f"/parametres/integrations/{b.integration.id}/points/{a.point.id}/modifier",
    ),
    "test A's access point through B's integration": (
        "POST",
        lambda a, b: f"/parametres/integrations/{b.integration.id}/points/{a.point.id}/tester",
    ),
    "save A's access point through B's integration": (
        "POST",
        lambda a, b: f"/parametres/integrations/{b.integration.id}/points/{a.point.id}",
    ),
    "delete A's access point through B's integration": (
        "POST",
        lambda a, b: f"/parametres/integrations/{b.integration.id}/points/{a.point.id}/supprimer",
    ),
    "A's activity under B's project": (
        "POST",
        lambda a, b: f"/projets/{b.work['project'].id}/activites/{a.work['formwork'].id}",
    ),
    "deactivate A's activity under B's project": (
        "POST",
        lambda a, b: (
            f"/projets/{b.work['project'].id}/activites/{a.work['formwork'].id}/desactiver"
        ),
    ),
    "A's hour line on B's sheet": (
        "GET",
        lambda a, b: (
            f"/feuilles-de-temps/{b.own_draft.id}/heures/{a.own_draft.hour_lines[0].id}/modifier"
        ),
    ),
    "delete A's hour line through B's sheet": (
        "POST",
        lambda a, b: (
            f"/feuilles-de-temps/{b.own_draft.id}/heures/{a.own_draft.hour_lines[0].id}/supprimer"
        ),
    ),
    "A's integration for B's project": (
        "GET",
        lambda a, b: f"/projets/{b.work['project'].id}/integration/{a.integration.id}/activites",
    ),
    "configure B's project with A's integration": (
        "GET",
        lambda a, b: f"/projets/{b.work['project'].id}/integration?integration={a.integration.id}",
    ),
    "B's line of another sheet of B": (
        "POST",
        lambda a, b: (
            f"/feuilles-de-temps/{b.own_draft.id}/heures/"
            f"{b.others_draft.hour_lines[0].id}/supprimer"
        ),
    ),
}


@pytest.mark.parametrize("name", MIXED)
def test_a_child_under_the_wrong_parent_is_not_found(client, world_a, world_b, name):
    method, url_of = MIXED[name]
    b = world_b("superadmin")
    url = url_of(world_a("superadmin"), b)
    before = snapshot()
    response = client.open(url, method=method, data={"url": "tcp://127.0.0.1:2131"}, headers=HTMX)
    assert response.status_code == 404
    assert snapshot() == before


#: A hour line field of B's form replaced by the id of A's object, and the message shown.
HOUR_FIELDS = {
    "project_id": (lambda a: a.work["project"].id, "Choisissez un projet de la liste."),
    "activity_id": (lambda a: a.work["formwork"].id, "Choisissez une activité de ce projet."),
    "trade_id": (lambda a: a.work["trade"].id, "Choisissez un métier de la liste."),
    "hour_type_id": (
        lambda a: a.work["overtime"].id,
        "Choisissez un type d'heures de la liste, ou laissez vide.",
    ),
}


@pytest.mark.parametrize("name", HOUR_FIELDS)
def test_hour_line_with_an_id_of_another_company_is_refused(client, world_a, world_b, name):
    a, b = world_a(), world_b("employee")
    id_of, message = HOUR_FIELDS[name]
    data = {**b.fill(hour_fields()), f"hour-new-{name}": str(id_of(a))}
    before = snapshot()
    response = client.post(
        f"/feuilles-de-temps/employes/{b.me.id}/{NEW_WEEK}/heures", data=data, headers=HTMX
    )
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert snapshot() == before


def test_changing_a_line_to_a_project_of_another_company_is_refused(client, world_a, world_b):
    a, b = world_a(), world_b("employee")
    line = b.own_draft.hour_lines[0]
    data = b.fill(hour_fields(f"hour-{line.id}", "{draft_week}"))
    data[f"hour-{line.id}-project_id"] = str(a.work["project"].id)
    before = snapshot()
    response = client.post(f"/feuilles-de-temps/{b.own_draft.id}/heures/{line.id}", data=data)
    assert response.status_code == 200
    assert "Choisissez un projet de la liste." in response.text
    assert snapshot() == before


def test_expense_line_with_an_expense_type_of_another_company_is_refused(client, world_a, world_b):
    a, b = world_a(), world_b("employee")
    prefix = "expense-new"
    data = {
        f"{prefix}-work_date": NEW_WEEK.isoformat(),
        f"{prefix}-project_id": str(b.work["project"].id),
        f"{prefix}-activity_id": str(b.work["formwork"].id),
        f"{prefix}-expense_type_id": str(a.work["meal"].id),
        f"{prefix}-value": "12,50",
    }
    before = snapshot()
    response = client.post(f"/feuilles-de-temps/employes/{b.me.id}/{NEW_WEEK}/depenses", data=data)
    assert response.status_code == 200
    assert "Choisissez une dépense ou une prime de la liste." in response.text
    assert snapshot() == before


@pytest.mark.parametrize("target", ["new", "existing"])
def test_employee_trade_of_another_company_is_refused(client, world_a, world_b, target):
    a, b = world_a(), world_b("manager")
    trade = str(a.work["trade"].id)
    if target == "new":
        url, data = "/parametres/licences/nouveau", {**NEW_USER, "default_trade_id": trade}
    else:
        url, data = (
            f"/parametres/licences/{b.other.id}",
            {**b.fill(user_fields("other")), "default_trade_id": trade},
        )
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert "Choisissez un métier de la liste." in response.text
    assert snapshot() == before


def test_sync_link_to_a_record_of_another_company_is_refused(client, world_a, world_b):
    a, b = world_a(), world_b("superadmin")
    data = {"remote_key": b.remote_trade.key, "local_id": str(a.work["trade"].id)}
    before = snapshot()
    response = client.post(
        f"/parametres/integrations/{b.integration.id}/synchro/metiers/liens",
        data=data,
        headers={**HTMX, "HX-Target": "sync-console"},
    )
    assert response.status_code == 200
    assert toast(response) == {
        "level": "error",
        "message": "Choisissez un élément du portail dans la liste.",
    }
    assert snapshot() == before


NOT_FOUND = "Cet élément n'existe pas ou n'appartient pas à votre compagnie."


@pytest.mark.parametrize("step", ["apercu", "envoyer"])
def test_export_of_a_sheet_of_another_company_is_refused(client, world_a, world_b, step):
    a, b = world_a(), world_b("ts_admin")
    sheets = [str(b.others_validated.id), str(a.others_validated.id)]
    data = {"integration": str(b.integration.id), "sheet": sheets}
    before = snapshot()
    response = client.post(f"/feuilles-de-temps/exportation/{step}", data=data, headers=HTMX)
    assert response.status_code == 200
    assert NOT_FOUND in html.unescape(response.text)
    assert a.other.full_name not in response.text
    assert snapshot() == before


# --- lists ------------------------------------------------------------------------------------


@pytest.fixture
def both(alpha, company, make_user, make_timesheet, make_work_data):
    """Recognisable objects in each company: A's must never show to B, B's always do."""
    made = {}
    for key, owner, word in (("a", alpha, "Alpha"), ("b", company, "Bravo")):
        work = make_work_data(owner)
        person = make_user("employee", company=owner, first_name=f"Zoé{word}", last_name=word)
        make_timesheet(person, work)
        db.session.add_all(
            [
                Trade(company=owner, code=f"T-{word}", name=f"Métier {word}"),
                HourType(company=owner, code=f"H-{word}", name=f"Heures {word}"),
                ExpenseType(
                    company=owner, code=f"D-{word}", name=f"Prime {word}", kind=ExpenseKind.AMOUNT
                ),
                Project(company=owner, number=f"P-{word}", name=f"Chantier {word}"),
                Integration(
                    company=owner, external_id=f"INT-{word}", partner_type=PartnerType.AVANTAGE
                ),
            ]
        )
        db.session.commit()
        made[key] = person
    return made


LISTS = {
    "users": ("manager", "/parametres/licences?etat=tous"),
    "timesheets": ("superadmin", "/feuilles-de-temps/"),
    "timesheet filters": ("validator", "/feuilles-de-temps/?statut=draft"),
    "projects": ("manager", "/projets/"),
    "trades": ("manager", "/parametres/metiers"),
    "hour types": ("manager", "/parametres/types-heures"),
    "expenses": ("manager", "/parametres/depenses-primes"),
    "integrations": ("superadmin", "/parametres/integrations"),
    "new employee form": ("manager", "/parametres/licences/nouveau"),
}


@pytest.mark.parametrize("name", LISTS)
def test_lists_never_show_another_companys_rows(client, auth, make_user, both, name):
    role, url = LISTS[name]
    auth.login(make_user(role))
    page = client.get(url).text
    shown = set(re.findall(r"(?:Alpha|Bravo)", page))
    assert "Bravo" in shown  # B's own rows are there…
    assert "Alpha" not in shown  # …and none of A's


def test_week_form_and_sync_choices_never_offer_another_companys_records(
    request, client, auth, company, both
):
    b = World(company, "superadmin", request)
    auth.login(b.actor)
    week = client.get(f"/feuilles-de-temps/employes/{b.actor.id}/{NEW_WEEK}").text
    console = client.get(f"/parametres/integrations/{b.integration.id}/synchro/metiers").text
    for page in (week, console):
        assert "T-Bravo" in page
        assert "Alpha" not in page


def test_query_string_ids_of_another_company_select_nothing(client, world_a, world_b):
    a, b = world_a(), world_b("validator")
    a.own_draft  # noqa: B018  (A has a sheet on this project)
    b.others_draft  # noqa: B018
    sheets = client.get(f"/feuilles-de-temps/?employe={a.me.id}&projet={a.work['project'].id}").text
    assert "Aucune feuille ne correspond à ces filtres." in sheets
    options = client.get(
        f"/feuilles-de-temps/activites?prefix=hour-new-&hour-new-project_id={a.work['project'].id}"
    ).text
    assert "03-100" not in options
    assert "— Choisir d'abord un projet —" in html.unescape(options)
    value = client.get(
        "/feuilles-de-temps/valeur-depense?prefix=expense-new-"
        f"&expense-new-expense_type_id={a.work['meal'].id}"
    ).text
    assert "Montant ($)" not in value and "Valeur" in value
    week = client.get(f"/feuilles-de-temps/semaine?employe={a.me.id}", follow_redirects=True)
    assert week.status_code == 404
    assert db.session.scalar(db.select(db.func.count(Timesheet.id))) == 2
