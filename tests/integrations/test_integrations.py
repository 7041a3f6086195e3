"""Autres intégrations: creating integrations and managing their access points."""

from __future__ import annotations

import json

import pytest

from portal import crypto
from portal.extensions import db
from portal.models import AccessPoint, AuditEvent, Integration, RunStatus, SyncRun, SyncSection

HTMX = {"HX-Request": "true"}


def test_create_integration_trims_and_opens_its_page(client, superadmin):
    response = client.post(
        "/parametres/integrations",
        data={"external_id": "  AVANTAGE-QC ", "partner_type": "avantage"},
        headers=HTMX,
    )
    integration = db.session.scalar(db.select(Integration))
    assert integration.external_id == "AVANTAGE-QC"
    assert response.headers["HX-Redirect"] == f"/parametres/integrations/{integration.id}"
    page = client.get(response.headers["HX-Redirect"])
    assert "Point d'accès" in page.text and "AVANTAGE-QC" in page.text


@pytest.mark.parametrize(
    ("external_id", "partner_type", "message"),
    [
        ("", "avantage", "Entrez un identifiant externe"),
        ("   ", "avantage", "Entrez un identifiant externe"),
        ("X" * 61, "avantage", "Maximum 60 caractères."),
        ("avantage", "avantage", "déjà utilisé"),  # duplicate of AVANTAGE, case-insensitive
        ("AUTRE", "sage", "Choisissez le type de partenaire"),
    ],
)
def test_bad_integration_input_is_refused_inline(
    client, integration, external_id, partner_type, message
):
    response = client.post(
        "/parametres/integrations",
        data={"external_id": external_id, "partner_type": partner_type},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(db.select(db.func.count(Integration.id))) == 1


def test_add_access_point_encrypts_secrets_and_makes_the_first_one_default(client, integration):
    response = client.post(
        f"/parametres/integrations/{integration.id}/points",
        data={
            "url": "avantage.exemple.ca",
            "username": "portail",
            "password": "Mot2Passe!",
            "encryption_key": "ABCDE",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    point = db.session.scalar(db.select(AccessPoint))
    assert (point.host, point.port, point.is_default) == ("avantage.exemple.ca", 2131, True)
    assert "Mot2Passe!" not in point.password_encrypted
    assert crypto.decrypt(point.password_encrypted) == "Mot2Passe!"
    assert crypto.decrypt(point.encryption_key_encrypted) == "ABCDE"
    assert "tcp://avantage.exemple.ca:2131" in response.text
    assert "Mot2Passe!" not in response.text and "ABCDE" not in response.text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Entrez l'adresse du serveur Avantage"),
        ("http://serveur:2131", "n'est pas accepté"),
        ("tcp://serveur:2131/chemin", "Retirez le chemin"),
        ("serveur:70000", "entrez un nombre de 1 à 65535"),
        ("serveur:0", "entrez un nombre de 1 à 65535"),
        ("serveur:abc", "entrez un nombre de 1 à 65535"),
        ("s" * 300, "n'est pas valide"),
        ("bad host!", "n'est pas valide"),
    ],
)
def test_bad_url_is_refused_inline_and_nothing_saved(client, integration, url, message):
    response = client.post(
        f"/parametres/integrations/{integration.id}/points",
        data={"url": url, "username": "u", "password": "p"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert message in response.text.replace("&#39;", "'")
    assert db.session.scalar(db.select(db.func.count(AccessPoint.id))) == 0


@pytest.mark.parametrize("url", ["", "   ", "tcp://:2131", "TCP://:", "tcp://", ":2131"])
def test_an_address_without_a_server_says_what_is_missing(client, integration, url):
    response = client.post(
        f"/parametres/integrations/{integration.id}/points",
        data={"url": url, "username": "u", "password": "p"},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.text.replace("&#39;", "'")
    assert (
        "Entrez l'adresse du serveur Avantage, par exemple tcp://serveur.exemple.ca:2131." in text
    )
    assert "n'est pas valide" not in text and "« »" not in text
    assert db.session.scalar(db.select(db.func.count(AccessPoint.id))) == 0


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("username", {"username": ""}, "Entrez l'utilisateur Avantage"),
        ("username", {"username": "u" * 81}, "Maximum 80 caractères."),
        ("password", {"password": ""}, "Entrez le mot de passe"),
        ("password", {"password": "p" * 129}, "Maximum 128 caractères."),
        ("encryption_key", {"encryption_key": "1234567"}, "5 caractères (40 bits) ou 16"),
    ],
)
def test_bad_credentials_input_is_refused(client, integration, field, data, message):
    form = {"url": "serveur.exemple.ca", "username": "portail", "password": "secret", **data}
    response = client.post(
        f"/parametres/integrations/{integration.id}/points", data=form, headers=HTMX
    )
    assert message in response.text.replace("&#39;", "'")
    assert db.session.scalar(db.select(db.func.count(AccessPoint.id))) == 0


def test_secrets_are_write_only_on_edit(client, integration, add_point):
    point = add_point("serveur.exemple.ca", password="ancien-secret", key="CLE40")
    form = client.get(
        f"/parametres/integrations/{integration.id}/points/{point.id}/modifier", headers=HTMX
    )
    assert "ancien-secret" not in form.text and "CLE40" not in form.text
    assert point.password_encrypted not in form.text
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}",
        data={
            "url": "tcp://autre.exemple.ca:2200",
            "username": "portail2",
            "password": "",
            "encryption_key": "",
        },
        headers=HTMX,
    )
    db.session.expire_all()
    point = db.session.get(AccessPoint, point.id)
    assert (point.host, point.port, point.username) == ("autre.exemple.ca", 2200, "portail2")
    assert crypto.decrypt(point.password_encrypted) == "ancien-secret"
    assert crypto.decrypt(point.encryption_key_encrypted) == "CLE40"
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}",
        data={"url": point.url, "username": "portail2", "remove_encryption_key": "y"},
        headers=HTMX,
    )
    db.session.expire_all()
    assert db.session.get(AccessPoint, point.id).encryption_key_encrypted is None


def test_exactly_one_default(client, integration, add_point):
    first, second = add_point("a.exemple.ca"), add_point("b.exemple.ca")
    assert (first.is_default, second.is_default) == (True, False)
    client.post(
        f"/parametres/integrations/{integration.id}/points/{second.id}/defaut", headers=HTMX
    )
    db.session.expire_all()
    defaults = db.session.scalars(db.select(AccessPoint).where(AccessPoint.is_default)).all()
    assert [point.id for point in defaults] == [second.id]
    # Deleting the default hands the role to the remaining one.
    client.post(
        f"/parametres/integrations/{integration.id}/points/{second.id}/supprimer", headers=HTMX
    )
    db.session.expire_all()
    assert db.session.get(AccessPoint, first.id).is_default


def test_last_access_point_cannot_be_deleted_while_syncs_depend_on_it(
    client, integration, add_point, superadmin
):
    point = add_point("a.exemple.ca")
    db.session.add(
        SyncRun(
            company_id=superadmin.company_id,
            integration_id=integration.id,
            section=SyncSection.EMPLOYEES,
            lock_key="x",
            active=False,
            status=RunStatus.SUCCEEDED,
        )
    )
    db.session.commit()
    response = client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/supprimer", headers=HTMX
    )
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert "des synchronisations en dépendent (Employés)" in toast["message"]
    assert db.session.get(AccessPoint, point.id) is not None
    second = add_point("b.exemple.ca")
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/supprimer", headers=HTMX
    )
    db.session.expire_all()
    assert db.session.get(AccessPoint, point.id) is None  # not the last one any more
    assert db.session.get(AccessPoint, second.id).is_default


def test_an_unused_last_access_point_can_be_deleted(client, integration, add_point):
    point = add_point("a.exemple.ca")
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/supprimer", headers=HTMX
    )
    assert db.session.get(AccessPoint, point.id) is None


def test_private_addresses_are_refused_unless_allowed(app, client, integration):
    app.config["ALLOW_PRIVATE_ENDPOINTS"] = False
    for url in (
        "127.0.0.1",
        "tcp://10.0.0.5:2131",
        "169.254.169.254",
        "localhost:2131",
        "[::1]:2131",
        "0.0.0.0",
    ):
        response = client.post(
            f"/parametres/integrations/{integration.id}/points",
            data={"url": url, "username": "u", "password": "p"},
            headers=HTMX,
        )
        assert "n'est pas permise" in response.text.replace("&#39;", "'"), url
    assert db.session.scalar(db.select(db.func.count(AccessPoint.id))) == 0
    app.config["ALLOW_PRIVATE_ENDPOINTS"] = True
    client.post(
        f"/parametres/integrations/{integration.id}/points",
        data={"url": "127.0.0.1", "username": "u", "password": "p"},
        headers=HTMX,
    )
    assert db.session.scalar(db.select(db.func.count(AccessPoint.id))) == 1


def test_every_change_is_audited_without_secrets(client, integration, add_point):
    point = add_point("a.exemple.ca", password="tres-secret", key="CLE40")
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}",
        data={"url": point.url, "username": "x", "password": "nouveau-secret"},
        headers=HTMX,
    )
    client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/supprimer", headers=HTMX
    )
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == [
        "integration.create",
        "access_point.create",
        "access_point.update",
        "access_point.delete",
    ]
    dump = repr([(event.summary, event.details) for event in events])
    for secret in ("tres-secret", "CLE40", "nouveau-secret"):
        assert secret not in dump
    assert events[2].details["changed"] == ["username", "password"]


def test_rotate_keys_reencrypts_every_secret(app, runner, add_point):
    point = add_point("a.exemple.ca", password="secret-du-portail", key="CLE40")
    old_token = point.password_encrypted
    new_key = crypto.new_key()
    app.config["ENCRYPTION_KEYS"] = (
        f"{new_key},{crypto.derived_key(app.config['SECRET_KEY']).decode()}"
    )
    result = runner.invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "1 point(s) d'accès" in result.output
    db.session.expire_all()
    point = db.session.get(AccessPoint, point.id)
    assert point.password_encrypted != old_token
    app.config["ENCRYPTION_KEYS"] = new_key  # the old key can now be dropped
    assert crypto.decrypt(point.password_encrypted) == "secret-du-portail"
    assert crypto.decrypt(point.encryption_key_encrypted) == "CLE40"


def test_a_point_submitted_without_htmx_is_saved_and_the_page_shown_again(client, integration):
    """A click before htmx wires the form posts it natively: same result, then the page."""
    url = f"/parametres/integrations/{integration.id}/points"
    form = {"url": "avantage.exemple.ca", "username": "portail", "password": "Mot2Passe!"}
    refused = client.post(url, data={**form, "url": "http://serveur"})
    assert refused.status_code == 200 and "<html" in refused.text
    assert "n&#39;est pas accepté" in refused.text
    response = client.post(url, data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/parametres/integrations/{integration.id}"
    assert db.session.scalar(db.select(AccessPoint.host)) == "avantage.exemple.ca"
    assert "Point d&#39;accès ajouté." in client.get(response.headers["Location"]).text
