"""Synchroniser on Employés in a real browser, with a real worker processing the job."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import RemoteRecord, SyncSection
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import BackgroundWorker


def test_sync_employees_watch_the_bar_and_find_a_placeholder(
    page, live_server, make_user, sign_in, make_simulator, app, rq
):
    # 15 pages of 250 ms at least: the bar, polled every 500 ms, is seen part way several times
    # however fast the machine is.
    app.config["SYNC_PAGE_SIZE"] = 20
    simulator = make_simulator(employees=300, latency_ms=250)
    admin = make_user("superadmin", employee_number="9001")
    integration = connect_avantage(admin, simulator)
    sign_in(admin)
    page.goto(f"{live_server}/parametres/integrations/{integration.id}")
    sections = page.get_by_role("navigation", name="Sections de l'intégration")
    sections.get_by_role("link", name="Employés").click()

    with BackgroundWorker(burst=False, jobs=1):
        page.get_by_role("button", name="Synchroniser").click()
        bar = page.locator("#sync-progress progress")
        expect(bar).to_be_visible(timeout=15_000)
        seen = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if page.locator("#sync-progress.run-succeeded").count():
                break
            value = bar.get_attribute("value") if bar.count() else None
            if value is not None:
                seen.add(int(value))
            time.sleep(0.1)
        expect(page.locator("#sync-progress")).to_contain_text("Terminée", timeout=30_000)
    assert len([value for value in seen if 0 < value < 300]) >= 2, seen  # it moved
    expect(page.locator("#sync-progress [data-count='done']")).to_contain_text("300 / 300")
    expect(page.locator(".toast").last).to_contain_text("Synchronisation Employés terminée")
    expect(page.locator("#sync-history")).to_contain_text("Terminée")

    page.get_by_role("link", name="Gestion des licences").click()
    page.get_by_label("Adresse provisoire seulement").check()
    page.get_by_role("button", name=re.compile("Filtrer")).click()
    row = page.locator("tr", has_text="1011")  # every 11th Avantage employee has no e-mail
    expect(row.get_by_text("Courriel à compléter")).to_be_visible()


def test_a_console_row_is_linked_to_someone_its_picker_finds(
    page, live_server, make_user, sign_in, simulator
):
    admin = make_user("superadmin", employee_number="9001")
    integration = connect_avantage(admin, simulator)
    for n in range(30):
        make_user("employee", employee_number=f"{n + 1:04d}", last_name=f"Ouvrier{n:02d}")
    wanted = make_user("employee", employee_number="0999", first_name="Josée", last_name="Zéphir")
    db.session.add(
        RemoteRecord(
            company_id=admin.company_id,
            integration_id=integration.id,
            entity=SyncSection.EMPLOYEES,
            key="5000",
            data={"number": "5000", "first_name": "Josée", "last_name": "Zéphir"},
        )
    )
    db.session.commit()
    sign_in(admin)
    page.goto(f"{live_server}/parametres/integrations/{integration.id}/synchro/employes")
    row = page.locator("#sync-console tr", has_text="5000")
    select = row.get_by_label("Lier 5000 à")
    expect(select.locator("option")).to_have_count(21)  # a screenful, not the workforce

    # Typed key by key: the console's own search (its filter reloads the table) must not
    # take these keys for its own.
    row.get_by_label("Rechercher dans le portail pour 5000").press_sequentially("josee zeph")
    expect(select.locator("option")).to_have_text(["— Choisir —", "0999 — Josée Zéphir"])
    page.wait_for_load_state("networkidle")
    expect(row.get_by_label("Rechercher dans le portail pour 5000")).to_have_value("josee zeph")
    expect(row.get_by_role("status")).to_have_text("1 enregistrement trouvé.")
    select.select_option(str(wanted.id))
    row.get_by_role("button", name="Lier 5000").click()
    expect(page.locator(".toast").last).to_contain_text("Lien enregistré.")
    linked = page.locator("#sync-console tr", has_text="5000")
    expect(linked).to_contain_text("0999 — Josée Zéphir")
    expect(linked.get_by_role("button", name="Délier 5000")).to_be_visible()
