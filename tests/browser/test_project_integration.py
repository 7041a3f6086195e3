"""Admin du projet → Configuration d'intégrations in a real browser: search and pick the
Avantage project, then Synchroniser its activities with a real worker and see them listed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import settled
from tests.fixtures.queue import BackgroundWorker
from tests.project_admin import conftest as project_fixtures

#: The project_admin fixtures this test needs (the Projets company sync runs in ``listed``).
superadmin, connect, sync_now = (
    project_fixtures.superadmin,
    project_fixtures.connect,
    project_fixtures.sync_now,
)
avantage, listed, make_project = (
    project_fixtures.avantage,
    project_fixtures.listed,
    project_fixtures.make_project,
)


def test_link_a_project_then_synchronise_its_activities(
    page, live_server, sign_in, rq, listed, make_project, superadmin
):
    project = make_project("P-2026-08", "Agrandissement de l'école")  # no number matches
    word = max(listed.project("24-108")["name"].split(), key=len)
    sign_in(superadmin)
    page.goto(f"{live_server}/projets/{project.id}")

    section = page.locator("#project-integration")
    expect(section.get_by_role("heading", name="Configuration d'intégrations")).to_be_visible()
    dropdown = section.get_by_label("Identifiant du projet dans Avantage")
    expect(dropdown.locator("option")).to_have_count(12)
    settled(section)  # the placeholder was swapped for the section: its search is wired now
    section.get_by_label("Rechercher (identifiant, nom)").fill("24-11")
    expect(dropdown.locator("option")).to_have_count(3)  # 24-110, 24-111, 24-112
    section.get_by_label("Rechercher (identifiant, nom)").fill(word)
    expect(dropdown.locator("option", has_text="24-108")).to_have_count(1)
    section.get_by_label("Identifiant du projet dans Avantage").select_option("24-108")
    section.get_by_role("button", name="Lier").click()
    expect(page.locator(".toast").last).to_contain_text("Projet lié au projet 24-108")
    expect(section.locator("[data-linked]")).to_have_text("24-108")

    section.get_by_role("link", name="Activités → Synchroniser").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("— Activités")
    with BackgroundWorker(burst=False):
        page.get_by_role("button", name="Synchroniser").click()
        expect(page.locator("#sync-progress")).to_contain_text("Terminée", timeout=30_000)
    expect(page.locator(".toast").last).to_contain_text("Synchronisation Activités terminée")
    table = page.locator("#project-sync-table")
    expect(table.get_by_text("Créé par la synchronisation")).to_have_count(8)
    expect(page.locator("#sync-history")).to_contain_text("Terminée")

    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role(
        "link", name="P-2026-08"
    ).click()
    activity_list = page.locator("#activity-list")
    expect(activity_list.locator("tbody tr")).to_have_count(8)
    expect(activity_list).to_contain_text("Coffrage")
    expect(activity_list).to_contain_text("Budget d'Avantage du projet 24-108")
