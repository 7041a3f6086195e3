"""The authorization matrix: every route of the app × every role → the answer it must get.

The table lives in ``tests/authz_table.py``; a route added without an entry there fails
``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.authz_table import ALLOWED, CASES, ROLES, Case, World, snapshot

#: What a permitted request may answer: a page or fragment, nothing to swap, a redirect,
#: or htmx's "stop polling".
PERMITTED = {200, 204, 286, 302, 303}


@pytest.fixture
def world_of(request, company):
    """``world_of(role)``: the objects of the default company, seen by a user of ``role``."""
    return lambda role: World(company, role, request)


def send(client, case: Case, world: World, *, keep_rows: bool = False):
    """Build the case's objects, then send its request; returns (url, response, rows before).

    The rows are read only when ``keep_rows`` (a refused request must leave them alone).
    """
    url, data = case.build(world)
    before = snapshot() if keep_rows else None
    response = client.open(url, method=case.method, data=data, headers=case.headers)
    return url, response, before


def route_of(app, case: Case, url: str) -> tuple[str, str]:
    """The (rule, endpoint) that ``url`` reaches with the case's method."""
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(urlsplit(url).path, method=case.method, return_rule=True)
    return rule.rule, rule.endpoint


def test_every_route_is_in_the_table(app, world_of):
    """Each (rule, method) of the app is requested by a case naming its endpoint, and only those."""
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    world = world_of("superadmin")
    requested = set()
    for case in CASES:
        rule, endpoint = route_of(app, case, case.build(world)[0])
        assert endpoint == case.endpoint, case.id
        requested.add((rule, case.method))
    assert routes - requested == set(), "routes without an entry in tests/authz_table.py"
    assert requested - routes == set()
    assert {case.rule for case in CASES} <= set(ALLOWED)


def _is_sign_in_redirect(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and urlsplit(location).path == "/connexion"


def check_sent_to_sign_in(response, case: Case, url: str) -> None:
    if case.htmx:
        assert response.status_code == 401
        assert urlsplit(response.headers["HX-Redirect"]).path == "/connexion"
    else:
        assert _is_sign_in_redirect(response)
        if case.method == "GET":  # back to the page after signing in
            query = parse_qs(urlsplit(response.headers["Location"]).query)
            assert query["next"][0].startswith(urlsplit(url).path)


def check_refused(response, case: Case) -> None:
    assert response.status_code == 403
    if case.htmx:
        toast = json.loads(response.headers["HX-Trigger"])["toast"]
        assert toast["level"] == "error" and toast["message"]
        assert "<html" not in response.text
    else:
        assert "Accès refusé" in response.text


def check_permitted(response, case: Case) -> None:
    assert response.status_code in PERMITTED, response.text[:500]
    if response.status_code in (302, 303):
        assert _is_sign_in_redirect(response) == case.signs_out


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_matrix(request, app, client, auth, world_of, case: Case, role: str):
    """The role gets the answer the case's rule gives it; a refusal writes nothing."""
    for name in case.fixtures:
        request.getfixturevalue(name)
    world = world_of(role)
    if world.actor is not None:
        auth.login(world.actor)
    permitted = role in ALLOWED[case.rule]
    url, response, before = send(client, case, world, keep_rows=not permitted)
    if not permitted:
        if role == "anonymous":
            check_sent_to_sign_in(response, case, url)
        else:
            check_refused(response, case)
        assert snapshot() == before, "a refused request changed the database"
    else:
        check_permitted(response, case)
        if case.signs_out:
            assert _is_sign_in_redirect(client.get("/feuilles-de-temps/"))
