"""Issue 13: the connection test's step details are in the page's language."""

from __future__ import annotations

import html
import socket

import pytest

from portal.extensions import db
from portal.models import AccessPoint
from portal.models.base import utcnow

HTMX = {"HX-Request": "true"}

#: English details French pages showed before (issue 13) and the English texts of today.
ENGLISH = (
    "key accepted",
    "invalid user",
    "refused",
    "answered",
    "greeting says",
    "Connected to",
    "Addresses found",
    "rejected",
)


@pytest.fixture(autouse=True)
def short_test_timeout(app):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 0.5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _panel(page: str) -> str:
    """The diagnostics panel of ``page``, unescaped."""
    start = page.index('class="diagnostics"')
    return html.unescape(page[start : page.index("</td>", start)])


def _point(add_point, simulator, scenario: str):
    if scenario == "refused-port":
        return add_point(f"127.0.0.1:{_free_port()}")
    credentials = {"user": simulator.user, "password": simulator.password, "key": simulator.key}
    credentials |= {
        "success": {},
        "wrong-password": {"password": "pas-le-bon"},
        "wrong-key": {"key": "MAUVAISECLE12345"},
        "no-key": {"key": ""},
    }[scenario]
    return add_point(simulator.url, **credentials)


def _tested_panel(client, integration, point) -> str:
    response = client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/tester", headers=HTMX
    )
    assert response.status_code == 200
    return _panel(response.text)


SCENARIOS = [
    (
        "success",
        ["Réponse du serveur : AVANTAGE MainTCP 7.40", "Connecté à 127.0.0.1:", "clé acceptée"],
        ["The server answered: AVANTAGE MainTCP 7.40", "Connected to 127.0.0.1:", "key accepted"],
    ),
    (
        "wrong-password",
        ["clé acceptée", "ou mot de passe refusé"],
        ["key accepted", "or password rejected"],
    ),
    (
        "wrong-key",
        ["Clé refusée : le serveur a répondu ERR CRYPTO"],
        ["Key rejected: the server answered ERR CRYPTO"],
    ),
    (
        "no-key",
        ["Le serveur chiffre (crypto=on), mais aucune clé n'est enregistrée"],
        ["The server encrypts (crypto=on), but no key is saved"],
    ),
    ("refused-port", ["Connexion refusée sur 127.0.0.1:"], ["Connection refused on 127.0.0.1:"]),
]


@pytest.mark.parametrize(
    ("scenario", "french", "english"), SCENARIOS, ids=[row[0] for row in SCENARIOS]
)
def test_step_details_follow_the_page_language(
    client, integration, add_point, simulator, scenario, french, english
):
    point = _point(add_point, simulator, scenario)
    panels = [_tested_panel(client, integration, point)]
    if scenario != "success":  # a failed test's panel stays on the page
        panels.append(_panel(client.get(f"/parametres/integrations/{integration.id}").text))
    for panel in panels:
        assert all(text in panel for text in french), panel
        assert not any(word in panel for word in ENGLISH), panel

    client.post("/langue", data={"locale": "en_CA", "next": "/"})
    panel = _tested_panel(client, integration, point)
    assert all(text in panel for text in english), panel
    assert not any(text in panel for text in french), panel


def test_the_stored_report_keeps_codes_and_both_languages(
    client, integration, add_point, simulator
):
    point = _point(add_point, simulator, "wrong-key")
    _tested_panel(client, integration, point)
    db.session.expire_all()
    encryption = db.session.get(AccessPoint, point.id).last_test_report["steps"][3]
    assert encryption == {
        "step": "encryption",
        "status": "failed",
        "detail": "server answered ERR CRYPTO",
        "detail_code": "key_rejected",
        "params": {},
        "detail_fr": "Clé refusée : le serveur a répondu ERR CRYPTO",
        "detail_en": "Key rejected: the server answered ERR CRYPTO",
    }


def test_a_report_stored_before_bilingual_details_still_renders(client, integration, add_point):
    point = add_point("127.0.0.1:2131")
    point.last_test_at, point.last_test_ok = utcnow(), False
    point.last_test_report = {
        "ok": False,
        "steps": [
            {"step": "resolve", "status": "passed", "detail": "127.0.0.1"},
            {"step": "connect", "status": "failed", "detail": "connect to 127.0.0.1 refused"},
        ],
        "error": None,
    }
    db.session.commit()
    panel = _panel(client.get(f"/parametres/integrations/{integration.id}").text)
    assert "connect to 127.0.0.1 refused" in panel and 'data-step="connect"' in panel
