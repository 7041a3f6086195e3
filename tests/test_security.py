"""Security of the web layer: cookies, headers, CSP-clean pages, redirects after sign-in,
sessions of deactivated users, secrets in responses, hostile input, oversized bodies.
(Sign-in limits and the end of sessions: test_sign_in.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from portal.extensions import db
from portal.models import User
from tests.authz_table import CASES, HTMX, World
from tests.fixtures.factories import PASSWORD, Auth

TOO_LARGE = "Ce formulaire contient beaucoup trop de données. Vérifiez ce que vous avez collé."


@pytest.fixture
def superadmin_world(request, company, auth) -> World:
    world = World(company, "superadmin", request)
    auth.login(world.actor)
    return world


def sign_in(app, email: str, password: str, address: str = "198.51.100.7", next_page=None):
    """One attempt from a fresh browser at ``address``."""
    client = app.test_client()
    query = {"next": next_page} if next_page is not None else None
    response = client.post(
        "/connexion",
        query_string=query,
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return client, response


# --- cookies and headers ------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(app, make_user):
    user = make_user("employee")
    _, response = sign_in(app, user.email, PASSWORD)
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def csp(response) -> dict[str, set[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        directive.split()[0]: set(directive.split()[1:])
        for directive in policy.split(";")
        if directive.strip()
    }


HEADER_PAGES = {
    "sign-in page": (None, "/connexion", {}),
    "timesheets": ("employee", "/feuilles-de-temps/", {}),
    "htmx fragment": ("manager", "/parametres/metiers", {**HTMX, "HX-Target": "catalog-list"}),
    "403 page": ("employee", "/parametres/licences", {}),
    "htmx 403": ("employee", "/parametres/licences", HTMX),
    "404 page": ("employee", "/nulle-part", {}),
    "redirect": (None, "/feuilles-de-temps/", {}),
}


@pytest.mark.parametrize("name", HEADER_PAGES)
def test_security_headers(client, auth, make_user, name):
    role, url, headers = HEADER_PAGES[name]
    if role:
        auth.login(make_user(role))
    response = client.get(url, headers=headers)
    policy = csp(response)
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["object-src"] == {"'none'"}
    assert not any("unsafe" in source for sources in policy.values() for source in sources)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert "HX-Request" in response.vary


class CspAudit(HTMLParser):
    """Collects what the CSP would block (or htmx's allowEval=false would silently ignore)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{name}= on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")


def audit(html: str) -> list[str]:
    parser = CspAudit()
    parser.feed(html)
    parser.close()
    return parser.problems


GET_CASES = [case for case in CASES if case.method == "GET"]


@pytest.mark.parametrize("case", GET_CASES, ids=lambda case: case.id)
def test_pages_have_no_inline_script_or_style(client, superadmin_world, case):
    """Every screen, as a Superadmin sees it (the pages with the most on them)."""
    url, _ = case.build(superadmin_world)
    response = client.get(url, headers=case.headers, follow_redirects=True)
    assert response.status_code in {200, 286}
    assert audit(response.text) == []


def test_what_people_type_is_escaped_on_every_page(client, superadmin_world):
    """Names, codes and reasons typed by users (or synced from Avantage) never become markup."""
    w, evil = superadmin_world, "<img src=x onerror=alert(1)>"
    for obj, name in [
        (w.work["project"], "name"),
        (w.work["formwork"], "name"),
        (w.work["trade"], "name"),
        (w.work["km"], "name"),
        (w.other, "first_name"),
        (w.others_submitted, "rejection_reason"),
        (w.integration, "external_id"),
        (w.company, "name"),
    ]:
        setattr(obj, name, evil)
    db.session.commit()
    shown = 0
    for case in GET_CASES:
        url, _ = case.build(w)
        response = client.get(url, headers=case.headers, follow_redirects=True)
        assert "<img src=x" not in response.text, case.id
        shown += "&lt;img src=x" in response.text
    assert shown > len(GET_CASES) // 2  # the text is there, escaped


def test_error_and_message_pages_have_no_inline_script_or_style(client, auth, make_user):
    manager = make_user("manager")
    pages = [client.get("/connexion"), client.post("/connexion", data={"email": "x"})]
    auth.login(manager)
    pages += [
        client.get("/parametres/integrations"),  # 403
        client.get("/projets/999999"),  # 404
        client.post("/parametres/licences/nouveau", data={"email": "pas-un-courriel"}),
        client.post(
            "/projets/nouveau",
            data={"number": "24-900", "name": "Entrepôt", "status": "active"},
            follow_redirects=True,
        ),  # flashed message
    ]
    assert [page.status_code for page in pages] == [200, 200, 403, 404, 200, 200]
    assert [audit(page.text) for page in pages] == [[]] * len(pages)


# --- signing in ---------------------------------------------------------------------------------


def browser_destination(location: str) -> tuple[str, str]:
    """(scheme, host) a browser goes to from /connexion: it drops tabs and newlines and reads
    ``\\`` as ``/`` (WHATWG URL parsing)."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("\x00 ")).replace("\\", "/")
    target = urlsplit(urljoin("http://localhost/connexion", cleaned))
    return target.scheme, target.hostname or ""


HOSTILE_NEXT = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "/\n/evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(app, make_user, target):
    user = make_user("employee")
    client, response = sign_in(app, user.email, PASSWORD, next_page=target)
    assert response.status_code == 302
    assert browser_destination(response.headers["Location"]) == ("http", "localhost")
    switched = client.post("/langue", data={"locale": "en_CA", "next": target})
    assert browser_destination(switched.headers["Location"]) == ("http", "localhost")


def test_next_within_the_site_is_followed(app, make_user):
    user = make_user("employee")
    _, response = sign_in(app, user.email, PASSWORD, next_page="/feuilles-de-temps/semaine")
    assert response.headers["Location"] == "/feuilles-de-temps/semaine"


@pytest.mark.parametrize("how", ["deactivated by a manager", "inactive in the database"])
def test_a_deactivated_users_session_stops_working(app, client, auth, make_user, how):
    employee = make_user("employee")
    browser = app.test_client()
    Auth(browser).login(employee)
    assert browser.get("/feuilles-de-temps/").status_code == 200
    if how == "deactivated by a manager":
        auth.login(make_user("manager"))
        response = client.post(f"/parametres/licences/{employee.id}/desactiver")
        assert response.status_code == 303
    else:
        db.session.execute(db.update(User).where(User.id == employee.id).values(active=False))
        db.session.commit()
    response = browser.get("/feuilles-de-temps/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    assert browser.get("/feuilles-de-temps/", headers=HTMX).status_code == 401


# --- secrets, hostile input, size ---------------------------------------------------------------


def test_passwords_never_appear_in_a_response(client, superadmin_world):
    w = superadmin_world
    secret, key, point_secret = "Nouveau-Secret-12345", "Cle-16-Caracteres"[:16], "Point-Secret-987"
    integration = f"/parametres/integrations/{w.integration.id}"
    responses = [
        client.post("/parametres/licences/nouveau", data={"email": "x", "password": secret}),
        client.post(
            "/parametres/licences/nouveau",
            data={
                "employee_number": "3001",
                "first_name": "Jean",
                "last_name": "Roy",
                "email": "jean.roy@exemple.ca",
                "licence": "none",
                "timesheet_permission": "limited",
                "password": secret,
            },
            follow_redirects=True,
        ),
        client.post(
            f"{integration}/points",
            data={"url": "pas une adresse", "username": "portail", "password": point_secret},
            headers=HTMX,
        ),
        client.post(
            f"{integration}/points",
            data={
                "url": "tcp://127.0.0.1:2131",
                "username": "portail",
                "password": point_secret,
                "encryption_key": key,
            },
            headers=HTMX,
        ),
    ]
    created = db.session.scalar(db.select(User).where(User.email == "jean.roy@exemple.ca"))
    point = w.integration.access_points[-1]
    responses += [
        client.get(f"/parametres/licences/{created.id}"),
        client.get(integration),
        client.get(f"{integration}/points/{point.id}/modifier", headers=HTMX),
        client.get(f"{integration}/guide"),
        client.post(f"{integration}/points/{point.id}/tester", headers=HTMX),
    ]
    client.post("/deconnexion")
    responses.append(client.post("/connexion", data={"email": w.actor.email, "password": secret}))
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
    for response in responses:
        shown = response.get_data(as_text=True) + json.dumps(dict(response.headers))
        for value in (secret, key, point_secret, created.password_hash, "scrypt:"):
            assert value not in shown


HOSTILE_LOGINS = [
    pytest.param(
        {"email": "a" * 10_000 + "@exemple.ca", "password": "x"}, id="10,000-character e-mail"
    ),
    pytest.param({"email": "a@exemple.ca", "password": "x" * 10_000}, id="10,000-char password"),
    pytest.param({"email": "\x1b[31m@\x7f.ca", "password": "\r\n\t"}, id="control characters"),
    pytest.param({"email": ["a@exemple.ca", "b@exemple.ca"], "password": "x"}, id="two e-mails"),
]


@pytest.mark.parametrize("form", HOSTILE_LOGINS)
def test_hostile_login_input_never_fails_the_server(client, form):
    response = client.post("/connexion", data=form)
    assert response.status_code == 200
    assert 'name="password"' in response.text  # the form again, with a message


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/connexion", {"email": "employe\x00@exemple.ca", "password": "x"}),
        ("post", "/connexion", {"email": "a@exemple.ca", "password": "mot\x00de-passe"}),
        ("get", "/connexion?next=/\x00", None),
    ],
)
def test_a_nul_character_is_refused_with_a_message(client, method, url, data):
    """PostgreSQL refuses NUL in text: it never gets that far."""
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    assert "caractère invalide (NUL)" in response.text


@pytest.mark.parametrize(
    "body",
    [b"email=%FF%FE%FD%40x.ca&password=%C3%28", b"email=\xff\xfe@x.ca&password=\xc3\x28\x00"],
    ids=["percent-encoded", "raw bytes"],
)
def test_login_form_that_is_not_utf8_never_fails_the_server(client, body):
    response = client.post(
        "/connexion", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {200, 400}
    assert "Erreur du serveur" not in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_weeks_at_the_ends_of_the_calendar_are_not_found(client, auth, make_user, day):
    employee = auth.login(make_user("employee"))
    pages = [
        client.get(f"/feuilles-de-temps/employes/{employee.id}/{day}"),
        client.get(f"/feuilles-de-temps/semaine?date={day}", follow_redirects=True),
        client.post(f"/feuilles-de-temps/employes/{employee.id}/{day}/heures"),
    ]
    assert [page.status_code for page in pages] == [404, 404, 404]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_body_over_the_limit_is_refused_with_a_message(app, client, auth, make_user, htmx):
    auth.login(make_user("manager"))
    body = {"code": "X", "name": "y" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    response = client.post("/parametres/metiers", data=body, headers=HTMX if htmx else {})
    assert response.status_code == 413
    if htmx:
        toast = json.loads(response.headers["HX-Trigger"])["toast"]
        assert toast == {"level": "error", "message": TOO_LARGE}
    else:
        assert "Envoi trop volumineux" in response.text
        assert TOO_LARGE in response.text.replace("&#39;", "'")
