"""Gestion des licences: employees, licences, escalation rules, sign-out, tenancy, hostile input."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from portal.errors import ValidationError
from portal.extensions import db
from portal.models import (
    PLACEHOLDER_EMAIL_DOMAIN,
    AuditEvent,
    Licence,
    TimesheetPermission,
    Trade,
    User,
)
from portal.services import users
from tests.fixtures.factories import Auth

HTMX_FORM = {"HX-Request": "true", "HX-Target": "user-form"}
HTMX_LIST = {"HX-Request": "true", "HX-Target": "user-list"}
HTMX_ROW = {"HX-Request": "true"}


def form_data(**overrides) -> dict:
    """A valid employee form, as the browser posts it."""
    data = {
        "employee_number": "2001",
        "first_name": "Marie",
        "last_name": "Gagnon",
        "email": "marie.gagnon@exemple.ca",
        "licence": "none",
        "timesheet_permission": "limited",
        "default_trade_id": "",
        "password": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def toast(response) -> str:
    """The message of the toast the response triggers."""
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def users_data(**overrides) -> users.UserData:
    values = dict(
        email="marie.gagnon@exemple.ca",
        first_name="Marie",
        last_name="Gagnon",
        employee_number="2001",
        licence=Licence.NONE,
        is_superadmin=False,
        timesheet_permission=TimesheetPermission.LIMITED,
    )
    values.update(overrides)
    return users.UserData(**values)


def shown(message: str, response) -> bool:
    """Whether ``message`` is in the page, as Jinja escapes it."""
    return str(escape(message)) in response.text


def count_users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def row_ids(response) -> list[str]:
    return re.findall(r'<tr id="user-(\d+)"', response.text)


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin"))


@pytest.fixture
def manager(make_user, auth):
    """A manager without the Superadmin role (a Superadmin exists in the company)."""
    make_user("superadmin")
    return auth.login(make_user("manager"))


# --- creating and editing ------------------------------------------------------------------


def test_create_employee_through_htmx(client, superadmin, company):
    trade = Trade(company=company, code="CHARP", name="Charpentier-menuisier")
    db.session.add(trade)
    db.session.commit()
    response = client.post(
        "/parametres/licences/nouveau",
        data=form_data(
            email=" Marie.Gagnon@Exemple.ca ",
            timesheet_permission="extended",
            default_trade_id=str(trade.id),
        ),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    assert "Employé ajouté : Marie Gagnon." in toast(response)
    assert 'id="user-form"' in response.text and "<html" not in response.text
    employee = db.session.scalar(db.select(User).where(User.first_name == "Marie"))
    assert (employee.email, employee.employee_number, employee.company_id) == (
        "marie.gagnon@exemple.ca",
        "2001",
        superadmin.company_id,
    )
    assert employee.timesheet_permission == TimesheetPermission.EXTENDED
    assert employee.default_trade_id == trade.id
    assert employee.password_hash is None and not employee.can_sign_in
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert (event.user_id, event.target_id) == (superadmin.id, employee.id)
    assert event.details["password_set"] is False


def test_create_without_htmx_redirects_to_the_list_with_a_message(client, superadmin):
    response = client.post("/parametres/licences/nouveau", data=form_data())
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/parametres/licences")
    page = client.get("/parametres/licences")
    assert "Employé ajouté : Marie Gagnon." in page.text


def test_employee_created_with_a_password_can_sign_in(app, client, superadmin):
    client.post(
        "/parametres/licences/nouveau",
        data=form_data(password="un-mot-de-passe-solide"),
        headers=HTMX_FORM,
    )
    employee = db.session.scalar(db.select(User).where(User.first_name == "Marie"))
    assert employee.can_sign_in
    other = app.test_client()
    response = other.post(
        "/connexion",
        data={"email": "marie.gagnon@exemple.ca", "password": "un-mot-de-passe-solide"},
    )
    assert response.status_code == 302 and "/connexion" not in response.headers["Location"]


def test_the_form_says_an_employee_without_password_cannot_sign_in(client, superadmin, make_user):
    employee = make_user("employee", password_hash=None)
    assert "ne peut pas encore se connecter" in client.get("/parametres/licences/nouveau").text
    page = client.get(f"/parametres/licences/{employee.id}")
    assert "n'a pas encore de mot de passe" in page.text.replace("&#39;", "'")
    listing = client.get("/parametres/licences")
    assert "Sans mot de passe" in listing.text


def test_edit_employee_through_htmx(client, superadmin, make_user):
    employee = make_user("employee", first_name="Jean", last_name="Roy")
    response = client.post(
        f"/parametres/licences/{employee.id}",
        data=form_data(
            first_name="Jean-Philippe",
            last_name="Roy",
            email="jp.roy@exemple.ca",
            employee_number=employee.employee_number,
            timesheet_permission="admin",
        ),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    assert "Changements enregistrés pour Jean-Philippe Roy." in toast(response)
    db.session.expire_all()
    employee = db.session.get(User, employee.id)
    assert (employee.first_name, employee.email) == ("Jean-Philippe", "jp.roy@exemple.ca")
    assert employee.timesheet_permission == TimesheetPermission.ADMIN
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.details["before"]["timesheet_permission"] == "limited"
    assert event.details["after"]["timesheet_permission"] == "admin"
    assert event.details["email_changed"] is True and event.details["password_changed"] is False


def test_superadmin_grants_a_management_licence(client, superadmin, make_user):
    employee = make_user("employee")
    client.post(
        f"/parametres/licences/{employee.id}",
        data=form_data(
            email=employee.email, employee_number=employee.employee_number, licence="management"
        ),
        headers=HTMX_FORM,
    )
    db.session.expire_all()
    assert db.session.get(User, employee.id).is_manager


# --- validation: every message inline, nothing saved ----------------------------------------

LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"email": "", "employee_number": ""},
            "email",
            "Entrez l'adresse courriel de l'employé, ou au moins son numéro d'employé "
            "pour lui donner une adresse provisoire.",
        ),
        (
            {"email": "pas-un-courriel"},
            "email",
            "Cette adresse courriel n'est pas valide. Exemple : nom@compagnie.ca",
        ),
        ({"email": LONG + "@exemple.ca"}, "email", "Maximum 254 caractères."),
        (
            {"email": f"quelqu.un@{PLACEHOLDER_EMAIL_DOMAIN}"},
            "email",
            "Ce domaine est réservé aux adresses provisoires : entrez la vraie adresse.",
        ),
        ({"first_name": "  "}, "first_name", "Ce champ est obligatoire."),
        ({"first_name": LONG}, "first_name", "Maximum 80 caractères."),
        ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
        ({"last_name": "N" * 81}, "last_name", "Maximum 80 caractères."),
        ({"employee_number": "9" * 21}, "employee_number", "Maximum 20 caractères."),
        ({"employee_number": LONG}, "employee_number", "Maximum 20 caractères."),
        ({"licence": "root"}, "licence", "Choisissez une licence de la liste."),
        (
            {"timesheet_permission": "dieu"},
            "timesheet_permission",
            "Choisissez une permission de la liste.",
        ),
        (
            {"is_superadmin": "y"},
            "is_superadmin",
            "Un Superadmin doit avoir une licence de gestion.",
        ),
        ({"default_trade_id": "abc"}, "default_trade_id", "Choisissez un métier de la liste."),
        ({"default_trade_id": "999999"}, "default_trade_id", "Choisissez un métier de la liste."),
        ({"password": "court"}, "password", "Au moins 10 caractères."),
        ({"password": LONG}, "password", "Maximum 200 caractères."),
        (
            {"email": "", "password": "un-mot-de-passe-solide"},
            "password",
            "Entrez d'abord la vraie adresse courriel de l'employé : "
            "c'est avec elle qu'il se connectera.",
        ),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_input_is_reported_inline_and_nothing_is_saved(
    client, superadmin, overrides, field, message, htmx
):
    before = count_users()
    response = client.post(
        "/parametres/licences/nouveau",
        data=form_data(**overrides),
        headers=HTMX_FORM if htmx else {},
    )
    assert response.status_code == 200
    assert shown(message, response)
    assert f'aria-describedby="{field}-error"' in response.text or field == "is_superadmin"
    assert ("<html" in response.text) is not htmx
    assert count_users() == before
    assert "user.create" not in audit_actions()


def test_errors_on_edit_change_nothing(client, superadmin, make_user):
    employee = make_user("employee", first_name="Jean")
    response = client.post(
        f"/parametres/licences/{employee.id}",
        data=form_data(first_name="Autre", email="", password="court"),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    assert shown("Entrez l'adresse courriel de l'employé.", response)
    assert "Au moins 10 caractères." in response.text
    db.session.expire_all()
    assert db.session.get(User, employee.id).first_name == "Jean"
    assert "user.update" not in audit_actions()


@pytest.mark.parametrize(
    ("taken", "typed"),
    [("Luc.Cote@Exemple.ca", "luc.cote@exemple.ca"), ("luc@exemple.ca", " LUC@exemple.ca ")],
)
def test_an_email_is_used_once_in_the_whole_portal(
    client, superadmin, make_user, make_company, taken, typed
):
    make_user("employee", company=make_company("Autre compagnie"), email=taken.lower())
    response = client.post("/parametres/licences/nouveau", data=form_data(email=typed))
    assert "Cette adresse courriel est déjà utilisée." in response.text
    assert count_users() == 2


@pytest.mark.parametrize("typed", ["1042", "01042", " 1042 "])
def test_employee_numbers_are_unique_after_normalisation(client, superadmin, make_user, typed):
    make_user("employee", first_name="Luc", last_name="Côté", employee_number="001042")
    response = client.post("/parametres/licences/nouveau", data=form_data(employee_number=typed))
    assert "Le numéro 001042 est déjà celui de Luc Côté." in response.text
    assert count_users() == 2


def test_the_password_is_never_rendered_back(client, superadmin, make_user):
    response = client.post(
        "/parametres/licences/nouveau",
        data=form_data(email="invalide", password="mon-secret-tres-long"),
        headers=HTMX_FORM,
    )
    assert "mon-secret-tres-long" not in response.text
    employee = make_user("employee")
    page = client.get(f"/parametres/licences/{employee.id}")
    assert employee.password_hash not in page.text
    assert "scrypt:" not in page.text and "pbkdf2:" not in page.text


# --- provisional e-mail addresses -------------------------------------------------------------


def test_an_employee_without_email_gets_a_flagged_provisional_address(client, superadmin):
    client.post("/parametres/licences/nouveau", data=form_data(email="", employee_number="0042"))
    employee = db.session.scalar(db.select(User).where(User.first_name == "Marie"))
    assert employee.email_is_placeholder
    assert employee.email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN)
    listing = client.get("/parametres/licences")
    assert "Courriel à compléter" in listing.text
    only = client.get("/parametres/licences?provisoire=y", headers=HTMX_LIST)
    assert row_ids(only) == [str(employee.id)]
    page = client.get(f"/parametres/licences/{employee.id}")
    assert 'name="email" type="email" value=""' in page.text
    assert "Laissez vide pour garder l'adresse provisoire." in page.text


def test_the_flag_stays_until_a_real_address_is_entered(client, superadmin, make_user):
    employee = make_user(
        "employee",
        email=f"employe-7.c1@{PLACEHOLDER_EMAIL_DOMAIN}",
        email_is_placeholder=True,
        employee_number="7",
    )
    url = f"/parametres/licences/{employee.id}"
    client.post(url, data=form_data(email="", employee_number="7"), headers=HTMX_FORM)
    db.session.expire_all()
    assert db.session.get(User, employee.id).email_is_placeholder  # empty keeps it
    client.post(url, data=form_data(email="vrai@exemple.ca", employee_number="7"))
    db.session.expire_all()
    employee = db.session.get(User, employee.id)
    assert (employee.email, employee.email_is_placeholder) == ("vrai@exemple.ca", False)
    assert "Courriel à compléter" not in client.get("/parametres/licences").text


def test_provisional_addresses_never_collide(app, superadmin):
    first = users.create_user(
        superadmin.company_id, superadmin, users_data(employee_number="A.1", email="")
    )
    second = users.create_user(
        superadmin.company_id, superadmin, users_data(employee_number="A-1", email="")
    )
    db.session.commit()
    assert first.email != second.email
    assert first.email_is_placeholder and second.email_is_placeholder


# --- list: pagination and filters -------------------------------------------------------------


def test_the_list_is_paginated_by_25(client, superadmin, make_user):
    for n in range(29):
        make_user("employee", last_name=f"Employé{n:02d}")
    first = client.get("/parametres/licences")
    assert len(row_ids(first)) == 25
    assert "Page 1 sur 2" in first.text
    second = client.get("/parametres/licences?page=2", headers=HTMX_LIST)
    assert len(row_ids(second)) == 5
    assert "<html" not in second.text
    assert not set(row_ids(first)) & set(row_ids(second))


def test_pagination_links_keep_the_filters(client, superadmin, make_user):
    for n in range(30):
        make_user("employee", last_name=f"Tremblay{n:02d}")
    page = client.get("/parametres/licences?q=tremblay&etat=tous")
    assert "Page 1 sur 2" in page.text
    link = re.search(r'href="([^"]+)" rel="next"', page.text).group(1)
    assert "q=tremblay" in link and "etat=tous" in link and "page=2" in link


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Gagnon", "Roy", "Superadmin"}),
        ("?q=gagn", {"Gagnon"}),
        ("?q=ROY%40exemple", {"Roy"}),
        ("?q=0077", {"Roy"}),
        ("?q=%25", set()),  # a LIKE wildcard is searched literally
        ("?licence=management", {"Superadmin", "Gagnon"}),
        ("?licence=none", {"Roy"}),
        ("?etat=inactifs", {"Pelletier"}),
        ("?etat=tous", {"Gagnon", "Roy", "Superadmin", "Pelletier"}),
        ("?etat=tous&provisoire=y", {"Pelletier"}),
        ("?etat=nimporte&licence=nimporte", {"Gagnon", "Roy", "Superadmin"}),
    ],
)
def test_filters(client, make_user, auth, query, expected):
    auth.login(make_user("superadmin", first_name="Superadmin", last_name="Superadmin"))
    make_user("manager", first_name="Marie", last_name="Gagnon")
    make_user("employee", first_name="Jean", last_name="Roy", email="roy@exemple.ca")
    db.session.execute(
        db.update(User).where(User.last_name == "Roy").values(employee_number="0077")
    )
    make_user(
        "employee",
        last_name="Pelletier",
        active=False,
        email=f"x@{PLACEHOLDER_EMAIL_DOMAIN}",
        email_is_placeholder=True,
    )
    db.session.commit()
    response = client.get(f"/parametres/licences{query}", headers=HTMX_LIST)
    assert response.status_code == 200
    ids = {int(i) for i in row_ids(response)}
    names = {db.session.get(User, i).last_name for i in ids}
    assert names == expected


@pytest.mark.parametrize("page", ["abc", "-3", "0", "999999999999999999999999", "5000"])
def test_odd_page_numbers_never_fail(client, superadmin, page):
    response = client.get(f"/parametres/licences?page={page}")
    assert response.status_code == 200


def test_another_companys_employees_are_not_listed(client, superadmin, make_user, make_company):
    stranger = make_user("employee", company=make_company("Autre"), last_name="Étranger")
    response = client.get("/parametres/licences?etat=tous")
    assert str(stranger.id) not in row_ids(response)
    assert "Étranger" not in response.text


# --- who may grant what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [{"licence": "management"}, {"licence": "management", "is_superadmin": "y"}],
)
def test_a_manager_cannot_create_a_manager_or_superadmin(client, manager, overrides):
    before = count_users()
    response = client.post(
        "/parametres/licences/nouveau", data=form_data(**overrides), headers=HTMX_FORM
    )
    assert response.status_code == 403
    assert "Seul un Superadmin" in toast(response)
    assert count_users() == before


def test_a_manager_cannot_grant_a_licence_to_an_employee(client, manager, make_user):
    employee = make_user("employee")
    response = client.post(
        f"/parametres/licences/{employee.id}",
        data=form_data(
            email=employee.email, employee_number=employee.employee_number, licence="management"
        ),
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, employee.id).licence == Licence.NONE
    assert "user.update" not in audit_actions()


@pytest.mark.parametrize("role", ["manager", "superadmin"])
def test_a_manager_cannot_touch_another_managers_account(client, manager, make_user, role):
    other = make_user(role)
    hash_before = other.password_hash
    assert client.get(f"/parametres/licences/{other.id}").status_code == 403
    response = client.post(
        f"/parametres/licences/{other.id}",
        data=form_data(
            email="pirate@exemple.ca",
            employee_number=other.employee_number,
            licence="management",
            is_superadmin="y" if role == "superadmin" else None,
            password="je-prends-ce-compte",
        ),
        headers=HTMX_FORM,
    )
    assert response.status_code == 403
    for action in ("desactiver", "reactiver"):
        assert client.post(f"/parametres/licences/{other.id}/{action}").status_code == 403
    db.session.expire_all()
    other = db.session.get(User, other.id)
    assert other.email != "pirate@exemple.ca"
    assert other.password_hash == hash_before and other.active
    listing = client.get("/parametres/licences")
    assert f'/parametres/licences/{other.id}"' not in listing.text
    assert f"/parametres/licences/{other.id}/desactiver" not in listing.text


def test_a_manager_manages_employees_and_their_own_account(client, make_user, auth):
    make_user("superadmin")
    manager = auth.login(make_user("manager", timesheet_permission=TimesheetPermission.EXTENDED))
    employee = make_user("employee")
    page = client.get(f"/parametres/licences/{employee.id}")
    assert '<select id="licence"' not in page.text  # read-only for a manager
    response = client.post(
        f"/parametres/licences/{employee.id}",
        data=form_data(
            email=employee.email,
            employee_number=employee.employee_number,
            timesheet_permission="extended",
        ),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    response = client.post(
        f"/parametres/licences/{manager.id}",
        data=form_data(
            email=manager.email,
            employee_number=manager.employee_number,
            first_name="Nouveau",
            licence="management",
            timesheet_permission="extended",
        ),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, employee.id).timesheet_permission == TimesheetPermission.EXTENDED
    assert db.session.get(User, manager.id).first_name == "Nouveau"
    assert client.post(f"/parametres/licences/{employee.id}/desactiver").status_code == 303


@pytest.mark.parametrize("licence", ["management", "none"])
def test_a_superadmin_cannot_give_up_their_own_role(client, superadmin, make_user, licence):
    """Nobody changes their own permissions: so the last Superadmin cannot drop the role."""
    data = form_data(email=superadmin.email, employee_number=superadmin.employee_number)
    response = client.post(
        f"/parametres/licences/{superadmin.id}",
        data={**data, "licence": licence, "timesheet_permission": "admin"},
        headers=HTMX_FORM,
    )
    assert response.status_code == 403
    assert "propres permissions" in toast(response)
    db.session.expire_all()
    assert db.session.get(User, superadmin.id).is_company_superadmin


def test_another_superadmin_may_remove_the_role(client, superadmin, make_user):
    other = make_user("superadmin")
    data = form_data(
        email=other.email,
        employee_number=other.employee_number,
        licence="management",
        timesheet_permission="admin",
    )
    response = client.post(f"/parametres/licences/{other.id}", data=data, headers=HTMX_FORM)
    assert response.status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, other.id).is_superadmin


def test_nobody_deactivates_their_own_account(client, superadmin):
    response = client.post(f"/parametres/licences/{superadmin.id}/desactiver", headers=HTMX_ROW)
    assert response.status_code == 200
    assert "propre compte" in toast(response)
    db.session.expire_all()
    assert db.session.get(User, superadmin.id).active


def test_the_last_superadmin_cannot_be_deactivated(app, make_user, company):
    """Through the service: even a caller that skips the route's checks keeps one Superadmin."""
    only = make_user("superadmin")
    stale = make_user("superadmin", active=False)
    assert stale.company_id == company.id  # loads it before it leaves the session
    db.session.expunge(stale)
    stale.active = True  # an actor object read before their own deactivation
    with pytest.raises(ValidationError):
        users.set_active(company.id, stale, only, False)
    db.session.rollback()
    assert db.session.get(User, only.id).active


# --- deactivation signs out -----------------------------------------------------------------


def test_deactivating_signs_the_person_out_for_good(app, client, superadmin, make_user):
    employee = make_user("employee", first_name="Paul")
    theirs = app.test_client()
    Auth(theirs).login(employee)
    assert theirs.get("/feuilles-de-temps/").status_code == 200
    response = client.post(f"/parametres/licences/{employee.id}/desactiver", headers=HTMX_ROW)
    assert response.status_code == 200
    assert "compte désactivé" in toast(response)
    assert f'id="user-{employee.id}" class="inactive"' in response.text
    assert "Réactiver" in response.text
    assert theirs.get("/feuilles-de-temps/").status_code == 302
    assert theirs.get("/feuilles-de-temps/", headers={"HX-Request": "true"}).status_code == 401
    client.post(f"/parametres/licences/{employee.id}/reactiver", headers=HTMX_ROW)
    db.session.expire_all()
    assert db.session.get(User, employee.id).active
    assert theirs.get("/feuilles-de-temps/").status_code == 302  # the old session stays dead
    assert audit_actions()[-2:] == ["user.deactivate", "user.activate"]


def test_deactivating_twice_records_one_event(client, superadmin, make_user):
    employee = make_user("employee")
    for _ in range(2):
        assert client.post(f"/parametres/licences/{employee.id}/desactiver").status_code == 303
    assert audit_actions().count("user.deactivate") == 1


def test_a_new_password_signs_the_person_out_but_not_the_one_who_changes_their_own(
    app, client, superadmin, make_user
):
    employee = make_user("employee")
    theirs = app.test_client()
    Auth(theirs).login(employee)
    data = form_data(
        email=employee.email,
        employee_number=employee.employee_number,
        password="nouveau-mot-de-passe",
    )
    client.post(f"/parametres/licences/{employee.id}", data=data, headers=HTMX_FORM)
    assert theirs.get("/feuilles-de-temps/").status_code == 302
    own = form_data(
        email=superadmin.email,
        employee_number=superadmin.employee_number,
        licence="management",
        is_superadmin="y",
        timesheet_permission="admin",
        password="mon-nouveau-mot-de-passe",
    )
    response = client.post(f"/parametres/licences/{superadmin.id}", data=own, headers=HTMX_FORM)
    assert response.status_code == 200
    assert client.get("/parametres/licences").status_code == 200


# --- permissions, tenancy, hostile input -------------------------------------------------------


def routes(target_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/parametres/licences"),
        ("GET", "/parametres/licences/nouveau"),
        ("POST", "/parametres/licences/nouveau"),
        ("GET", f"/parametres/licences/{target_id}"),
        ("POST", f"/parametres/licences/{target_id}"),
        ("POST", f"/parametres/licences/{target_id}/desactiver"),
        ("POST", f"/parametres/licences/{target_id}/reactiver"),
    ]


@pytest.mark.parametrize("role", ["employee", "validator", "ts_admin"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_only_managers_get_in(client, auth, make_user, role, htmx):
    target = make_user("employee", first_name="Cible")
    auth.login(make_user(role))
    before = count_users()
    for method, url in routes(target.id):
        response = client.open(
            url,
            method=method,
            data=form_data(licence="management") if method == "POST" else None,
            headers=HTMX_ROW if htmx else {},
        )
        assert response.status_code == 403, (method, url)
        if htmx:
            assert toast(response)
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert (target.first_name, target.active, count_users()) == ("Cible", True, before)


def test_another_companys_ids_are_not_found(client, superadmin, make_user, make_company):
    stranger = make_user("employee", company=make_company("Autre"), first_name="Étranger")
    for method, url in routes(stranger.id)[3:]:
        response = client.open(url, method=method, data=form_data(first_name="Pris"))
        assert response.status_code == 404, (method, url)
    db.session.expire_all()
    stranger = db.session.get(User, stranger.id)
    assert (stranger.first_name, stranger.active) == ("Étranger", True)
    assert audit_actions() == []


@pytest.mark.parametrize(
    "url",
    [
        "/parametres/licences/abc",
        "/parametres/licences/1.5/desactiver",
        "/parametres/licences/-1",
        "/parametres/licences/99999999999999999999",
        "/parametres/licences/99999999999999999999/desactiver",
    ],
)
def test_ids_that_are_not_ours_are_404(client, superadmin, url):
    method = "POST" if url.endswith("desactiver") else "GET"
    assert client.open(url, method=method).status_code == 404


def test_names_are_escaped_everywhere(client, superadmin, make_user):
    hostile = "<script>alert('x')</script>"
    response = client.post(
        "/parametres/licences/nouveau",
        data=form_data(first_name=hostile, last_name="<b>Roy</b>"),
        headers=HTMX_FORM,
    )
    assert response.status_code == 200
    employee = db.session.scalar(db.select(User).where(User.last_name == "<b>Roy</b>"))
    for page in (
        client.get("/parametres/licences"),
        client.get(f"/parametres/licences/{employee.id}"),
        client.post(f"/parametres/licences/{employee.id}/desactiver", headers=HTMX_ROW),
    ):
        assert "<script>alert" not in page.text and "<b>Roy" not in page.text
        assert "&lt;script&gt;" in page.text


def test_a_post_without_csrf_token_is_refused(client, superadmin):
    response = client.post("/parametres/licences/nouveau", data=form_data(), csrf=False)
    assert response.status_code == 400
    assert count_users() == 1
