"""Validate a sheet, preview it, send it to Avantage, see it frozen and its batch."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.models import TimesheetStatus
from tests.fixtures.export_world import entries
from tests.fixtures.queue import BackgroundWorker


def test_validate_preview_send_and_see_the_batch(page, live_server, world, sign_in, rq):
    sheet = world.sheet(
        world.employees["1002"], status=TimesheetStatus.SUBMITTED, hours=("8.00", "7.50"), km="42"
    )
    sign_in(world.admin)
    page.goto(f"{live_server}/feuilles-de-temps/{sheet.id}")
    page.locator("#validate-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Validée")

    page.get_by_role("link", name="Exportation vers la paie").click()
    row = page.locator(f"#export-sheet-{sheet.id}")
    expect(row).to_contain_text("Jamais envoyée")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator("#export-preview")
    expect(preview).to_contain_text("3 ligne(s)")
    expect(preview.locator(".export-lines tbody tr")).to_have_count(3)
    expect(preview).to_contain_text("24-101")

    page.get_by_role("button", name="Envoyer à Avantage").click()
    dialog = page.get_by_role("dialog", name="Envoyer à Avantage?")
    expect(dialog).to_contain_text("1 feuille(s), 3 ligne(s)")
    with BackgroundWorker(burst=False, jobs=1):
        dialog.get_by_role("button", name=re.compile("Confirmer l'envoi")).click()
        progress = page.locator("#export-progress")
        expect(progress.locator("progress")).to_be_visible()
        expect(progress).to_contain_text("Accepté par Avantage", timeout=20_000)
    expect(page.locator(".toast").last).to_contain_text("accepté par Avantage")
    assert len(entries(world.simulator)) == 3

    # Without a reload: the list region refreshed itself when the batch ended.
    row = page.locator(f"#export-sheet-{sheet.id}")
    expect(row.locator(".export-badge")).to_contain_text(re.compile(r"Envoyée · TS-\d+"))
    expect(row).to_contain_text("Gelée")
    expect(row.get_by_role("checkbox")).not_to_be_checked()
    page.goto(f"{live_server}/feuilles-de-temps/{sheet.id}")
    expect(page.locator("#sheet-status-badge")).to_have_text("Gelée")
    page.locator("#sheet-export").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Lot TS-\d+"))
    expect(page.locator(".batch-sheet")).to_contain_text("Acceptée")
