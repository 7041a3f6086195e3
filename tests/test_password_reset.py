"""Password-reset links: handed over by a Superadmin or e-mailed through a real SMTP server;
one use, an expiry, and the same answer whether an e-mail exists or not."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.models import User
from portal.services import password_reset
from tests.fixtures.factories import PASSWORD
from tests.fixtures.queue import work

NEW_PASSWORD = "un-mot-de-passe-tout-neuf"
HTMX = {"HX-Request": "true", "HX-Target": "password-link"}


def link_path(text: str) -> str:
    (link,) = set(re.findall(r"https?://[^\s\"<]+/mot-de-passe/[A-Za-z0-9_.\-]+", text))
    return urlsplit(link).path


def choose(app, path: str, password: str = NEW_PASSWORD, confirmation: str | None = None):
    return app.test_client().post(
        path, data={"password": password, "confirmation": confirmation or password}
    )


def can_sign_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/connexion", data={"email": email, "password": password})
    return response.status_code == 302


def test_a_superadmin_hands_over_a_link_that_works_once(app, client, make_user, auth):
    auth.login(make_user("superadmin"))
    clerk = make_user("ts_admin")
    clerk_session = app.test_client()
    auth_of_clerk = type(auth)(clerk_session)
    auth_of_clerk.login(clerk)
    response = client.post(f"/parametres/licences/{clerk.id}/lien-mot-de-passe", headers=HTMX)
    assert response.status_code == 200
    assert "Remettez ce lien" in response.text
    path = link_path(response.text)
    page = app.test_client().get(path)
    assert page.status_code == 200 and clerk.email in page.text

    mismatch = choose(app, path, confirmation="autre-chose-encore")
    assert "pas pareils" in mismatch.text
    done = choose(app, path)
    assert done.status_code == 303 and urlsplit(done.headers["Location"]).path == "/connexion"
    assert can_sign_in(app, clerk.email, NEW_PASSWORD)
    assert not can_sign_in(app, clerk.email, PASSWORD)
    assert clerk_session.get("/feuilles-de-temps/").status_code == 302  # signed out everywhere

    again = choose(app, path, password="encore-un-autre-mot")
    assert again.status_code == 410
    assert "plus valide" in again.text
    assert can_sign_in(app, clerk.email, NEW_PASSWORD)


@pytest.mark.parametrize("spoil", ["expired", "tampered", "other user"])
def test_a_spoiled_link_is_refused(app, make_user, spoil):
    user, other = make_user("employee"), make_user("employee")
    token = password_reset.make_token(user, -1 if spoil == "expired" else 3600)
    if spoil == "tampered":
        token = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    if spoil == "other user":  # a valid link of someone else's, its user id swapped
        token = password_reset.make_token(other, 3600).split(".")[0] + "." + token.split(".")[1]
    response = choose(app, f"/mot-de-passe/{token}")
    assert response.status_code == 410
    assert can_sign_in(app, user.email, PASSWORD)


def test_no_link_for_a_provisional_address(client, make_user, auth):
    auth.login(make_user("superadmin"))
    employee = make_user("employee")
    employee.email = "employe-1.c1@sans-courriel.invalid"
    employee.email_is_placeholder = True
    db.session.commit()
    response = client.post(f"/parametres/licences/{employee.id}/lien-mot-de-passe", headers=HTMX)
    assert response.status_code == 409
    assert "adresse provisoire" in response.headers["HX-Trigger"]


def test_without_smtp_the_page_says_whom_to_ask(app, client, make_user):
    user = make_user("employee")
    page = client.get("/mot-de-passe-oublie")
    assert "Demandez à un Superadmin" in page.text
    assert 'name="email"' not in page.text
    client.post("/mot-de-passe-oublie", data={"email": user.email})
    assert can_sign_in(app, user.email, PASSWORD)


def test_the_link_is_emailed_and_unknown_addresses_get_the_same_answer(
    app, client, make_user, rq, smtp_server
):
    user = make_user("employee")
    known = client.post("/mot-de-passe-oublie", data={"email": user.email.upper()})
    unknown = app.test_client().post("/mot-de-passe-oublie", data={"email": "personne@exemple.ca"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text.replace(*_csrf_difference(known.text, unknown.text))
    work()
    (message,) = smtp_server.messages
    assert message["To"] == user.email
    body = message.get_payload(decode=True).decode()
    assert "https://portail.exemple.ca/mot-de-passe/" in body
    assert choose(app, link_path(body)).status_code == 303
    assert can_sign_in(app, user.email, NEW_PASSWORD)


def _csrf_difference(a: str, b: str) -> tuple[str, str]:
    """The pages differ only by their CSRF tokens: what to replace to compare them."""
    token = r'name="csrf-token" content="([^"]+)"'
    found_a, found_b = re.search(token, a), re.search(token, b)
    return (found_b[1], found_a[1]) if found_a and found_b else ("", "")


def test_a_superadmin_emails_the_link(app, client, make_user, auth, rq, smtp_server):
    auth.login(make_user("superadmin"))
    clerk = make_user("ts_admin")
    response = client.post(f"/parametres/licences/{clerk.id}/courriel-mot-de-passe", headers=HTMX)
    assert response.status_code == 200
    assert clerk.email in response.headers["HX-Trigger"]
    work()
    (message,) = smtp_server.messages
    assert message["To"] == clerk.email
    db.session.expire_all()
    assert db.session.get(User, clerk.id).check_password(PASSWORD)  # nothing changed yet
