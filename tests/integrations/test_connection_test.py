"""The test icon: a real connection to the simulator, each failure the client can report."""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from portal.models import AccessPoint, AuditEvent, Integration

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def short_test_timeout(app):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 0.5


def _test(client, integration, point):
    response = client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/tester", headers=HTMX
    )
    assert response.status_code == 200
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    db.session.expire_all()
    return response, toast, db.session.get(AccessPoint, point.id)


def _statuses(point) -> dict:
    return {step["step"]: step["status"] for step in point.last_test_report["steps"]}


def test_success_shows_version_company_and_round_trip(client, integration, add_point, simulator):
    point = add_point(simulator.url, simulator.user, simulator.password, simulator.key)
    response, toast, point = _test(client, integration, point)
    assert toast["level"] == "success"
    assert "Avantage MainTCP 7.40" in toast["message"]
    assert "Construction Bélanger inc." in toast["message"]
    assert "aller-retour" in toast["message"]
    assert set(_statuses(point).values()) == {"passed"}
    integration = db.session.get(Integration, integration.id)
    assert integration.server_version == "7.40" and integration.last_contact_at is not None
    assert 'data-step="login"' in response.text
    page = client.get(f"/parametres/integrations/{integration.id}").text
    assert "Avantage MainTCP 7.40" in page and "Construction Bélanger inc." in page
    facts = page[page.index("Dernier contact réussi") : page.index("Version du serveur")]
    assert "—" not in facts  # the time of the last successful contact is shown


@pytest.mark.parametrize(
    ("change", "failed_step", "expected"),
    [
        ({"password": "pas-le-bon"}, "login", "mot de passe"),
        ({"key": "MAUVAISECLE12345"}, "encryption", "clé de chiffrement"),
        ({"key": ""}, "encryption", "clé de chiffrement"),
    ],
)
def test_credential_failures_name_the_failed_step(
    client, integration, add_point, simulator, change, failed_step, expected
):
    credentials = {
        "user": simulator.user,
        "password": simulator.password,
        "key": simulator.key,
        **change,
    }
    point = add_point(simulator.url, **credentials)
    response, toast, point = _test(client, integration, point)
    assert toast["level"] == "error"
    assert expected in toast["message"].lower()
    statuses = _statuses(point)
    assert statuses[failed_step] == "failed"
    order = ["resolve", "connect", "greeting", "encryption", "login"]
    assert all(statuses[step] == "passed" for step in order[: order.index(failed_step)])
    assert all(statuses[step] == "not_reached" for step in order[order.index(failed_step) + 1 :])
    assert simulator.password not in response.text and simulator.key not in response.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused(client, integration, add_point):
    point = add_point(f"127.0.0.1:{_free_port()}")
    _, toast, point = _test(client, integration, point)
    assert _statuses(point)["connect"] == "failed"
    assert "2131" in toast["message"] or "port" in toast["message"].lower()


def test_no_answer_is_a_timeout_at_the_connect_step(client, integration, add_point):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):  # fill the accept queue: the kernel then drops new SYNs
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    try:
        point = add_point(f"127.0.0.1:{listener.getsockname()[1]}")
        _, toast, point = _test(client, integration, point)
        assert point.last_test_report["error"]["type"] == "NoAnswerError"
        assert _statuses(point)["connect"] == "failed"
        assert "pare-feu" in toast["message"]
        report = point.last_test_report  # the timeout reads as each language writes it
        assert "(aucune réponse en 0,5 s)" in report["error"]["message_fr"]
        assert report["error"]["message_fr"] in toast["message"]
        assert "(no answer within 0.5 s)" in report["error"]["message_en"]
        connect = next(step for step in report["steps"] if step["step"] == "connect")
        assert connect["detail_fr"].endswith(" en 0,5 s")
        assert connect["detail_en"].endswith(" within 0.5 s")
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_an_http_server_is_not_avantage(client, integration, add_point):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        point = add_point(f"127.0.0.1:{server.server_address[1]}")
        _, toast, point = _test(client, integration, point)
        assert point.last_test_report["error"]["type"] == "NotAvantageServerError"
        assert _statuses(point)["greeting"] == "failed"
        assert "Avantage" in toast["message"]
    finally:
        server.shutdown()
        server.server_close()


def test_secrets_never_reach_pages_or_logs(client, integration, add_point, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    point = add_point(simulator.url, simulator.user, "mauvais-" + simulator.password, simulator.key)
    _test(client, integration, point)
    pages = [
        client.get(f"/parametres/integrations/{integration.id}").text,
        client.get(f"/parametres/integrations/{integration.id}/guide").text,
        client.get(
            f"/parametres/integrations/{integration.id}/points/{point.id}/modifier", headers=HTMX
        ).text,
        client.get("/parametres/integrations").text,
    ]
    secrets = [simulator.password, simulator.key]
    for text in pages + [record.getMessage() for record in caplog.records]:
        for secret in secrets:
            assert secret not in text
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    audit = repr([(e.action, e.summary, e.details) for e in events])
    assert not any(secret in audit for secret in secrets)
    assert events[-1].action == "access_point.test"


def test_address_refused_at_connection_time(app, client, integration, add_point, simulator):
    """Saved while private addresses were allowed, tested after they no longer are."""
    point = add_point(simulator.url, simulator.user, simulator.password, simulator.key)
    app.config["ALLOW_PRIVATE_ENDPOINTS"] = False
    _, _toast, point = _test(client, integration, point)
    assert point.last_test_report["error"]["type"] == "AddressNotAllowedError"
    assert _statuses(point)["resolve"] == "failed"
    assert _statuses(point)["connect"] == "not_reached"


def test_guide_shows_port_egress_address_and_live_results(
    app, client, integration, add_point, simulator
):
    app.config["PORTAL_EGRESS_IP"] = "203.0.113.7"
    point = add_point(simulator.url, simulator.user, "mauvais", simulator.key)
    _test(client, integration, point)
    page = client.get(f"/parametres/integrations/{integration.id}/guide").text
    assert f"Test-NetConnection localhost -Port {simulator.port}" in page
    assert "-RemoteAddress 203.0.113.7" in page
    assert "Enable-WindowsOptionalFeature -Online -FeatureName TelnetClient" in page
    assert page.count("badge-ok") >= 4 and "badge-err" in page
