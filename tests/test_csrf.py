"""CSRF: every POST needs the session's token (form field or htmx header); without it, or with
a wrong one, the request is refused with 400 and nothing is written."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal.extensions import db
from portal.models import (
    AccessPoint,
    HourLine,
    LoginAttempt,
    RecordLink,
    RunStatus,
    SyncRun,
    SyncSection,
    Timesheet,
    Trade,
    User,
)
from tests.authz_table import HTMX, NEW_USER, NEW_WEEK, World, hour_fields, snapshot
from tests.fixtures.factories import PASSWORD

EXPIRED = "Le formulaire a expiré ou ne vient pas de cette page."


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def value(column, row_id: int):
    return db.session.scalar(db.select(column).where(column.class_.id == row_id))


def queued_run(w: World) -> SyncRun:
    """A queued Métiers run that Annuler can stop."""
    run = SyncRun(
        company_id=w.company.id,
        integration_id=w.integration.id,
        section=SyncSection.TRADES,
        lock_key=f"{w.integration.id}:trades:-",
        status=RunStatus.QUEUED,
    )
    db.session.add(run)
    db.session.commit()
    return run


@dataclass
class Post:
    """A POST of the app: who sends it, how, and what it changes when accepted."""

    role: str | None  # None: an anonymous visitor
    url: Callable[[World], str]
    data: Callable[[World], dict]
    #: What the request changes, read before and after it.
    effect: Callable[[World, object], object]
    headers: dict | None = None
    fixtures: tuple[str, ...] = ()

    @property
    def htmx(self) -> bool:
        return self.headers is not None


POSTS = {
    "login": Post(
        None,
        lambda w: "/connexion",
        lambda w: {"email": w.me.email, "password": PASSWORD},
        lambda w, client: (client.get("/feuilles-de-temps/").status_code, count(LoginAttempt)),
    ),
    "language switch": Post(
        "employee",
        lambda w: "/langue",
        lambda w: {"locale": "en_CA"},
        lambda w, client: value(User.locale, w.actor.id),
    ),
    "logout": Post(
        "employee",
        lambda w: "/deconnexion",
        lambda w: {},
        lambda w, client: client.get("/feuilles-de-temps/").status_code,
    ),
    "catalog create": Post(
        "manager",
        lambda w: "/parametres/metiers",
        lambda w: {"code": "PLOMB", "name": "Plombier", "active": "y"},
        lambda w, client: count(Trade, Trade.code == "PLOMB"),
    ),
    "user create": Post(
        "manager",
        lambda w: "/parametres/licences/nouveau",
        lambda w: NEW_USER,
        lambda w, client: count(User, User.email == "marie.gagnon@exemple.ca"),
    ),
    "timesheet line add": Post(
        "employee",
        lambda w: f"/feuilles-de-temps/employes/{w.me.id}/{NEW_WEEK}/heures",
        lambda w: w.fill(hour_fields()),
        lambda w, client: count(HourLine),
    ),
    "status change": Post(
        "employee",
        lambda w: f"/feuilles-de-temps/{w.own_draft.id}/soumettre",
        lambda w: {},
        lambda w, client: value(Timesheet.status, w.own_draft.id),
    ),
    "access point test": Post(
        "superadmin",
        lambda w: f"/parametres/integrations/{w.integration.id}/points/{w.point.id}/tester",
        lambda w: {},
        lambda w, client: value(AccessPoint.last_test_at, w.point.id),
        headers=HTMX,
    ),
    "Synchroniser": Post(
        "superadmin",
        lambda w: f"/parametres/integrations/{w.point.integration_id}/synchro/metiers",
        lambda w: {},
        lambda w, client: count(SyncRun),
        headers=HTMX,
        fixtures=("rq",),
    ),
    "link": Post(
        "superadmin",
        lambda w: f"/parametres/integrations/{w.integration.id}/synchro/metiers/liens",
        lambda w: {"remote_key": w.remote_trade.key, "local_id": str(w.work["trade"].id)},
        lambda w, client: count(RecordLink),
        headers=HTMX,
    ),
    "run cancel": Post(
        "superadmin",
        lambda w: f"/synchro/executions/{queued_run(w).id}/annuler",
        lambda w: {},
        lambda w, client: count(SyncRun, SyncRun.status == RunStatus.CANCELLED),
        headers=HTMX,
        fixtures=("rq",),
    ),
}
PLAIN = [name for name, post in POSTS.items() if not post.htmx]


@pytest.fixture
def prepare(request, company, auth):
    """``prepare(name)``: the world of that POST, its sender signed in, its URL and data."""

    def make(name: str):
        post = POSTS[name]
        for fixture in post.fixtures:
            request.getfixturevalue(fixture)
        world = World(company, post.role or "anonymous", request)
        if world.actor is not None:
            auth.login(world.actor)
        return post, world, post.url(world), post.data(world)

    return make


def check_refused(client, name: str, prepare, *, headers: dict | None = None, **options):
    post, world, url, data = prepare(name)
    before, effect = snapshot(), post.effect(world, client)
    response = client.post(
        url, data=data, headers={**(post.headers or {}), **(headers or {})}, **options
    )
    assert response.status_code == 400
    if post.htmx:
        assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "error"
        assert EXPIRED in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    else:
        assert EXPIRED in response.text.replace("&#39;", "'")
    assert post.effect(world, client) == effect
    assert snapshot() == before


@pytest.mark.parametrize("name", POSTS)
def test_post_without_token_is_refused(client, prepare, name):
    check_refused(client, name, prepare, csrf=False)


@pytest.mark.parametrize("name", POSTS)
def test_post_with_a_made_up_token_is_refused(client, prepare, name):
    check_refused(client, name, prepare, headers={"X-CSRFToken": "IjEyMzQi.aaaa.bbbb"})


@pytest.mark.parametrize("name", POSTS)
def test_post_with_another_sessions_token_is_refused(app, client, prepare, name):
    """A real token, signed by the app, but for another browser's session."""
    stolen = app.test_client().csrf_token()
    check_refused(client, name, prepare, headers={"X-CSRFToken": stolen})


@pytest.mark.parametrize("name", POSTS)
def test_post_with_the_token_header_is_accepted(client, prepare, name):
    post, world, url, data = prepare(name)
    effect = post.effect(world, client)
    response = client.post(url, data=data, headers=post.headers)
    assert response.status_code in {200, 286, 302, 303}
    assert post.effect(world, client) != effect


@pytest.mark.parametrize("name", PLAIN)
def test_plain_form_with_the_token_field_is_accepted(client, prepare, name):
    post, world, url, data = prepare(name)
    effect = post.effect(world, client)
    token = client.csrf_token()
    response = client.post(url, data={**data, "csrf_token": token}, csrf=False)
    assert response.status_code in {200, 302, 303}
    assert post.effect(world, client) != effect


def test_login_form_renders_a_working_token(client, make_user):
    user = make_user("employee")
    page = client.get("/connexion").text
    token = re.search(
        r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page
    )
    assert token, "the login form has no CSRF field"
    response = client.post(
        "/connexion",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token[1]},
        csrf=False,
    )
    assert response.status_code == 302
    assert client.get("/feuilles-de-temps/").status_code == 200


def test_base_layout_sends_the_token_with_every_htmx_request(client, auth, make_user):
    """The body's ``hx-headers`` carries a token that the server accepts as the header."""
    auth.login(make_user("manager"))
    page = client.get("/parametres/metiers").text
    match = re.search(r"<body hx-headers='(\{[^']+\})'>", page)
    assert match, "the base layout configures no htmx header"
    headers = json.loads(match[1])
    assert set(headers) == {"X-CSRFToken"}
    response = client.post(
        "/parametres/metiers",
        data={"code": "PLOMB", "name": "Plombier", "active": "y"},
        headers={**HTMX, "HX-Target": "catalog-list", **headers},
        csrf=False,
    )
    assert response.status_code == 200
    assert count(Trade, Trade.code == "PLOMB") == 1
    logout_form = re.search(r'<form method="post" action="/deconnexion".*?</form>', page, re.S)
    assert 'name="csrf_token"' in logout_form[0]
