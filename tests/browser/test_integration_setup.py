"""A Superadmin sets up the Avantage integration against a running simulator."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import settled


def _add_access_point(page, url: str, user: str, password: str, key: str) -> None:
    page.get_by_role("button", name="Ajouter un point d'accès").click()
    expect(page.get_by_role("heading", name="Nouveau point d'accès")).to_be_visible()
    settled(page.locator("#access-points"))
    page.get_by_label("URL du serveur MainTCP").fill(url)
    page.get_by_label("Utilisateur Avantage").fill(user)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_label("Clé de chiffrement").fill(key)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#access-points").get_by_text(url.removeprefix("tcp://"))).to_be_visible()
    settled(page.locator("#access-points"))


def test_set_up_integration_test_success_then_failure(
    page, live_server, make_user, sign_in, simulator, app
):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 2.0
    sign_in(make_user("superadmin"))
    page.goto(f"{live_server}/parametres/metiers")
    page.get_by_role("link", name="Autres intégrations").click()
    page.get_by_label("Identifiant externe").fill("AVANTAGE")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("heading", name=re.compile("AVANTAGE"))).to_be_visible()

    _add_access_point(page, "tcp://avantage-secours.exemple.ca:2131", "portail", "x" * 12, "")
    _add_access_point(page, simulator.url, simulator.user, simulator.password, simulator.key)
    row = page.locator("tr", has_text=f"{simulator.port}")
    row.get_by_role("button", name=re.compile("^Définir par défaut")).click()
    expect(
        page.locator("tr", has_text=f"{simulator.port}").get_by_text("Par défaut", exact=True)
    ).to_be_visible()  # the badge, not the button "Définir par défaut"
    settled(page.locator("#access-points"))

    page.locator("tr", has_text=f"{simulator.port}").get_by_role(
        "button", name=re.compile("Tester")
    ).click()
    toast = page.locator(".toast").last
    expect(toast).to_contain_text("Connexion réussie")
    expect(toast).to_contain_text("Avantage MainTCP 7.40")
    expect(page.get_by_role("region", name="Diagnostic de la connexion")).to_contain_text(
        "Authentification"
    )
    settled(page.locator("#access-points"))

    page.locator("tr", has_text=f"{simulator.port}").get_by_role("button", name="Modifier").click()
    expect(page.get_by_role("heading", name=re.compile("^Modifier"))).to_be_visible()
    settled(page.locator("#access-points"))
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=re.compile("^Modifier"))).to_have_count(0)
    settled(page.locator("#access-points"))
    page.locator("tr", has_text=f"{simulator.port}").get_by_role(
        "button", name=re.compile("Tester")
    ).click()
    expect(page.locator(".toast-error").last).to_contain_text("mot de passe")
    login_step = page.locator('[data-step="login"]')
    expect(login_step).to_contain_text("Échoué")
    expect(page.locator('[data-step="encryption"]')).to_contain_text("Réussi")
    assert simulator.password not in page.content()
