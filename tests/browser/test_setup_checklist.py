"""Mise en route in the browser: the checklist follows what the Superadmin does on the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import settled
from tests.fixtures.factories import connect_avantage


def test_the_checklist_follows_the_connection_test_without_a_reload(
    page, live_server, make_user, sign_in, simulator, app
):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 2.0
    admin = make_user("superadmin")
    connect_avantage(admin, simulator)
    sign_in(admin)
    page.goto(f"{live_server}/parametres/integrations")
    page.get_by_role("link", name="AVANTAGE").first.click()
    checklist = page.get_by_role("region", name="Mise en route")
    expect(checklist).to_contain_text("1 étape(s) sur 13 faite(s)")
    test_step = checklist.locator('[data-checklist-step="test"]')
    expect(test_step).to_contain_text("À faire")

    settled(page.locator("#access-points"))
    page.locator("tr", has_text=f"{simulator.port}").get_by_role(
        "button", name=re.compile("Tester")
    ).click()
    expect(page.locator(".toast").last).to_contain_text("Connexion réussie")
    expect(test_step).to_contain_text("Fait")
    expect(checklist).to_contain_text("5 étape(s) sur 13 faite(s)")
    expect(test_step).to_contain_text("Avantage 7.40")
    # Each step leads to its screen: the firewall rule to its part of the guide.
    checklist.get_by_role("link", name="Règle du pare-feu").click()
    expect(page).to_have_url(re.compile(r"/guide#guide-firewall$"))
    expect(page.locator("#guide-firewall")).to_contain_text("pare-feu Windows")
