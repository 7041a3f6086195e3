"""Who grants what: nobody above their own level, only a Superadmin for Admin, passwords and
e-mails of others, and nobody for themselves (the findings of the probe, one test each)."""

from __future__ import annotations

import json

import pytest

from portal.extensions import db
from portal.models import TimesheetPermission, User
from tests.fixtures.factories import PASSWORD

HTMX_FORM = {"HX-Request": "true", "HX-Target": "user-form"}


def user_form(user: User, **changes) -> dict:
    """``user``'s form as the browser posts it, with ``changes``."""
    data = {
        "employee_number": user.employee_number or "",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "licence": user.licence.value,
        "timesheet_permission": user.timesheet_permission.value,
        "default_trade_id": "",
        "password": "",
        **({"is_superadmin": "y"} if user.is_superadmin else {}),
    }
    data.update(changes)
    return data


@pytest.fixture
def gestionnaire(make_user, auth):
    """A manager (licence de gestion, Étendue) who is not Superadmin."""
    make_user("superadmin")
    return auth.login(make_user("manager", timesheet_permission=TimesheetPermission.EXTENDED))


def save(client, user: User, **changes):
    """Post ``user``'s form with ``changes`` as the form's htmx request does."""
    return client.post(
        f"/parametres/licences/{user.id}", data=user_form(user, **changes), headers=HTMX_FORM
    )


def reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_manager_cannot_give_herself_timesheet_admin(client, gestionnaire):
    response = save(client, gestionnaire, timesheet_permission="admin")
    assert response.status_code == 403
    assert reloaded(gestionnaire).timesheet_permission == TimesheetPermission.EXTENDED
    assert client.get("/feuilles-de-temps/exportation").status_code == 403


def test_a_manager_cannot_set_the_payroll_clerks_password(app, client, gestionnaire, make_user):
    clerk = make_user("ts_admin")
    response = save(client, clerk, password="je-prends-ta-place")
    assert response.status_code == 403
    takeover = app.test_client().post(
        "/connexion", data={"email": clerk.email, "password": "je-prends-ta-place"}
    )
    assert takeover.status_code == 200  # not signed in
    assert reloaded(clerk).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("target_role", "changes"),
    [
        ("employee", {"timesheet_permission": "admin"}),  # Admin: only from a Superadmin
        ("ts_admin", {"timesheet_permission": "extended"}),  # nor taken away
        ("employee", {"email": "autre.adresse@exemple.ca"}),  # another person's e-mail
        ("employee", {"password": "un-mot-de-passe-choisi"}),  # another person's password
    ],
)
def test_what_only_a_superadmin_changes(client, gestionnaire, make_user, target_role, changes):
    target = make_user(target_role)
    before = (target.timesheet_permission, target.email, target.password_hash)
    response = save(client, target, **changes)
    assert response.status_code == 403
    target = reloaded(target)
    assert (target.timesheet_permission, target.email, target.password_hash) == before


def test_nobody_grants_above_their_own_level(client, make_user, auth):
    make_user("superadmin")
    limited_manager = auth.login(make_user("manager"))  # Limitée
    employee = make_user("employee")
    response = save(client, employee, timesheet_permission="extended")
    assert response.status_code == 403
    assert (
        "plus élevée que la vôtre" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    )
    assert reloaded(employee).timesheet_permission == TimesheetPermission.LIMITED
    assert limited_manager.timesheet_permission == TimesheetPermission.LIMITED


def test_a_manager_grants_up_to_her_level(client, gestionnaire, make_user):
    employee = make_user("employee")
    response = save(client, employee, timesheet_permission="extended", first_name="Rosalie")
    assert response.status_code == 200
    employee = reloaded(employee)
    assert (employee.timesheet_permission, employee.first_name) == (
        TimesheetPermission.EXTENDED,
        "Rosalie",
    )


def test_a_manager_adds_an_employee_without_a_password(client, gestionnaire):
    data = {
        "first_name": "Jean",
        "last_name": "Roy",
        "email": "jean.roy@exemple.ca",
        "licence": "none",
        "timesheet_permission": "limited",
        "password": "je-le-connais-moi",
    }
    response = client.post("/parametres/licences/nouveau", data=data, headers=HTMX_FORM)
    assert response.status_code == 403
    data["password"] = ""
    assert (
        client.post("/parametres/licences/nouveau", data=data, headers=HTMX_FORM).status_code == 200
    )
    created = db.session.scalar(db.select(User).where(User.email == "jean.roy@exemple.ca"))
    assert created.password_hash is None


def test_the_form_shows_a_manager_only_what_she_may_change(client, gestionnaire, make_user):
    employee = make_user("employee")
    page = client.get(f"/parametres/licences/{employee.id}").text
    assert 'name="password"' not in page
    assert 'type="email"' not in page  # the e-mail is shown, not editable
    assert '<option value="admin"' not in page
    assert "Créer un lien de réinitialisation" not in page
    own = client.get(f"/parametres/licences/{gestionnaire.id}").text
    assert '<select id="timesheet_permission"' not in own
    assert 'name="password"' in own  # her own password she may change


def test_a_superadmin_changes_others_but_not_herself(client, make_user, auth):
    boss = auth.login(make_user("superadmin"))
    clerk = make_user("employee")
    response = save(client, clerk, timesheet_permission="admin", email="commis@exemple.ca")
    assert response.status_code == 200
    assert reloaded(clerk).timesheet_permission == TimesheetPermission.ADMIN
    response = save(client, boss, timesheet_permission="extended")
    assert response.status_code == 403
    assert reloaded(boss).timesheet_permission == TimesheetPermission.ADMIN
