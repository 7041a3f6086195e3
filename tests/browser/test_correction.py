"""The whole correction as a timesheet Admin does it: Dégeler a sent sheet with a reason, change
a line, submit and validate it again, see the preflight's sentence, send, and find Avantage's
net equal to the corrected sheet."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import follow
from tests.export.test_corrections import send
from tests.fixtures.export_world import entries
from tests.fixtures.queue import BackgroundWorker


def test_unfreeze_correct_and_send_the_correction(page, live_server, world, sign_in, rq):
    sheet = world.sheet(world.employees["1002"], hours=("8.00", "7.50"))
    first = send(world, sheet)
    sign_in(world.admin)
    page.goto(f"{live_server}/feuilles-de-temps/{sheet.id}")
    expect(page.locator("#sheet-status-badge")).to_have_text("Gelée")

    page.locator("#unfreeze-toggle").click()
    page.locator("#unfreeze-sheet").click()  # no reason: refused, said beside the field
    expect(page.locator("#sheet-status")).to_contain_text("Dites pourquoi")
    expect(page.locator("#sheet-status-badge")).to_have_text("Gelée")
    page.get_by_label("Motif de la correction").fill("Mardi : 6 h, pas 7,5 h")
    page.locator("#unfreeze-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Brouillon")
    expect(page.locator("#correction-notice")).to_contain_text("Révision R1 en correction.")
    expect(page.locator("[data-in-correction]")).to_have_text("En correction · R1")
    expect(page.locator(".toast").last).to_contain_text("Feuille dégelée")

    tuesday = page.locator("#hour-lines tbody tr").nth(1)
    tuesday.get_by_role("link", name=re.compile("^Modifier")).click()
    editing = page.locator("#hour-lines tr.editing")
    editing.get_by_label("Heures", exact=True).fill("6")
    editing.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#week-total")).to_have_text("14,00\u00a0h")
    diff = page.locator("#sheet-revisions")
    expect(diff.locator('[data-diff="changed"]')).to_contain_text("7,50")
    expect(diff.locator('[data-diff="changed"]')).to_contain_text("6,00")

    page.locator("#submit-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Soumise")
    page.locator("#validate-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Validée")

    follow(page, page.get_by_role("link", name="Exportation vers la paie"))
    row = page.locator(f"#export-sheet-{sheet.id}")
    expect(row).to_contain_text("En correction · R1")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator("#export-preview")
    expect(preview.locator("[data-correction]")).to_contain_text(
        f"annule 2 ligne(s) du lot {first.avantage_batch}, ajoute 2 ligne(s)"
    )
    expect(preview.locator("[data-reverses]")).to_have_count(2)

    page.get_by_role("button", name="Envoyer à Avantage").click()
    dialog = page.get_by_role("dialog", name="Envoyer à Avantage?")
    expect(dialog.locator("[data-correction]")).to_be_visible()
    with BackgroundWorker(burst=False, jobs=1):
        dialog.get_by_role("button", name=re.compile("Confirmer l'envoi")).click()
        expect(page.locator("#export-progress")).to_contain_text(
            "Accepté par Avantage", timeout=20_000
        )
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries(world.simulator):
        net[entry["date"]] += Decimal(entry["hours"])
    assert dict(net) == {"2026-11-23": Decimal("8.00"), "2026-11-24": Decimal("6.00")}

    page.goto(f"{live_server}/feuilles-de-temps/{sheet.id}")
    expect(page.locator("#sheet-status-badge")).to_have_text("Gelée")
    expect(page.locator("[data-revision='1']")).to_contain_text("Envoyée dans le lot")
    expect(page.locator("[data-in-correction]")).to_have_count(0)
