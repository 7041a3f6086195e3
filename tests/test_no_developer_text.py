"""No developer text on screen: setting names, idempotency keys, jargon, swallowed placeholders.

Each page is rendered in French and in English; the developer strings must appear in neither.
"""

from __future__ import annotations

import html
import re

import pytest

from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExportBatch,
    LinkMethod,
    RecordLink,
    RemoteRecord,
    SyncSection,
)
from portal.models.base import utcnow
from portal.services import integrations
from tests.integrations import conftest as integration_fixtures

DEVELOPER_TEXT = ("PORTAL_EGRESS_IP", "portail-", "normalisé", "tcp://:", "AVTCP", "crypto=on")
LANGUAGES = ["fr_CA", "en_CA"]


#: The integration screens' fixtures: a signed-in Superadmin and an Avantage integration.
superadmin, integration = integration_fixtures.superadmin, integration_fixtures.integration


def _page(client, url: str, locale: str, *, fragment: bool = False) -> str:
    """The page at ``url`` in ``locale``, unescaped, after checking it has no developer text."""
    client.post("/langue", data={"locale": locale})
    response = client.get(url)
    assert response.status_code == 200
    assert fragment or f'<html lang="{locale[:2]}">' in response.text
    text = html.unescape(response.text)
    for developer in DEVELOPER_TEXT:
        assert developer not in text
    return text


@pytest.mark.parametrize("locale", LANGUAGES)
def test_guide_without_egress_address_says_who_to_ask(app, client, integration, locale):
    app.config["PORTAL_EGRESS_IP"] = ""
    page = _page(client, f"/parametres/integrations/{integration.id}/guide", locale)
    if locale == "fr_CA":
        assert "L'adresse de sortie du portail" in page and "n'est pas configurée" in page
        assert "Demandez-la à l'administrateur du portail" in page
    guide = client.get(f"/parametres/integrations/{integration.id}/guide").text
    assert re.search(r"tcp://&lt;[^<>&]+&gt;:2131\.", guide)  # step 4's placeholder is text
    assert "-RemoteAddress <" in page


@pytest.mark.parametrize("locale", LANGUAGES)
def test_guide_with_egress_address_shows_it(app, client, integration, locale):
    app.config["PORTAL_EGRESS_IP"] = "203.0.113.7"
    page = _page(client, f"/parametres/integrations/{integration.id}/guide", locale)
    assert "-RemoteAddress 203.0.113.7 " in page
    assert "l'administrateur du portail" not in page
    if locale == "fr_CA":
        assert "L'URL du point d'accès est alors tcp://<adresse publique du bureau>:2131." in page
        guide = client.get(f"/parametres/integrations/{integration.id}/guide").text
        assert "tcp://&lt;adresse publique du bureau&gt;:2131." in guide  # text, not a tag


@pytest.mark.parametrize("locale", LANGUAGES)
def test_integration_page_and_access_point_form(client, integration, locale):
    base = f"/parametres/integrations/{integration.id}"
    page = _page(client, base, locale)
    assert "MainTCP" not in page  # the protocol's name is for the form and the guide only
    if locale == "fr_CA":
        assert "Serveur Avantage" not in page  # no point yet: the hint instead
        assert "indiquer où joindre le serveur Avantage." in page
    form = _page(client, f"{base}/points/nouveau", locale, fragment=True)
    assert re.search(r'<input [^>]*name="url"[^>]*value=""', form)
    assert 'placeholder="tcp://serveur.exemple.ca:2131"' in form


def test_access_point_table_names_the_avantage_server(client, integration):
    integrations.save_access_point(
        integration.company_id,
        None,
        integration,
        integrations.AccessPointData(url="avantage.exemple.ca", username="u", password="p"),
        allow_private=True,
    )
    db.session.commit()
    page = _page(client, f"/parametres/integrations/{integration.id}", "fr_CA")
    assert "<th>Serveur Avantage</th>" in page and "MainTCP" not in page


@pytest.mark.parametrize("locale", LANGUAGES)
def test_batch_page_shows_avantage_numbers_not_the_portal_key(client, world, locale):
    numbered, failed = (
        ExportBatch(
            company_id=world.admin.company_id,
            integration_id=world.integration.id,
            requested_by_id=world.admin.id,
            status=status,
            avantage_batch=number,
            finished_at=utcnow(),
        )
        for status, number in ((BatchStatus.COMMITTED, "TS-000123"), (BatchStatus.FAILED, None))
    )
    db.session.add_all([numbered, failed])
    db.session.commit()
    page = _page(client, f"/feuilles-de-temps/exportation/lots/{numbered.id}", locale)
    assert "TS-000123" in page
    page = _page(client, f"/feuilles-de-temps/exportation/lots/{failed.id}", locale)
    assert ("n° " if locale == "fr_CA" else "#") + f"{failed.id}" in page


def _linked(integration, section: SyncSection, key: str, local_id: int, data: dict) -> None:
    company_id = integration.company_id
    db.session.add_all(
        [
            RemoteRecord(
                company_id=company_id,
                integration_id=integration.id,
                entity=section,
                key=key,
                data=data,
            ),
            RecordLink(
                company_id=company_id,
                integration_id=integration.id,
                entity=section,
                remote_key=key,
                local_id=local_id,
                method=LinkMethod.NORMALISED,
            ),
        ]
    )
    db.session.commit()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_console_says_what_a_normalised_match_ignored(
    client, integration, make_user, make_work_data, superadmin, locale
):
    employee = make_user("employee", employee_number="1017")
    trade = make_work_data(superadmin.company)["trade"]
    person = {"first_name": "Josée", "last_name": "Fortin", "trade": "CHARP", "active": True}
    _linked(integration, SyncSection.EMPLOYEES, "01017", employee.id, person)
    _linked(integration, SyncSection.TRADES, "charp ", trade.id, {"name": "Charpentier"})
    base = f"/parametres/integrations/{integration.id}/synchro"
    employees = _page(client, f"{base}/employes", locale)
    trades = _page(client, f"{base}/metiers", locale)
    if locale == "fr_CA":
        assert (
            "par numéro d'employé (zéros en tête, majuscules et espaces en trop ignorés)"
            in employees
        )
        assert "par code (majuscules et espaces en trop ignorés)" in trades
