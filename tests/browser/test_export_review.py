"""The export list as a payroll clerk uses it: a pay period, Tout sélectionner, the action bar
that stays on screen, the grouped errors, and Envoyer's confirmation (cancel sends nothing,
confirm sends)."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import ExportBatch, RecordLink, SyncSection
from tests.browser.conftest import settled
from tests.fixtures.export_world import MONDAY
from tests.fixtures.preflight import send
from tests.fixtures.queue import BackgroundWorker

BASE = "/feuilles-de-temps/exportation"
WEEKS = [MONDAY + timedelta(days=7 * n) for n in range(5)]


def _crew(world, make_user, size: int) -> list:
    people = list(world.employees.values())[:2]
    for n in range(size - len(people)):
        person = make_user("employee", employee_number=str(1040 + n))
        world.link(SyncSection.EMPLOYEES, person.id, str(1040 + n))
        people.append(person)
    return people


def _batches() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(ExportBatch.id)))


def test_a_pay_period_select_all_and_the_bar_that_stays(
    page, live_server, world, sign_in, make_user
):
    people = _crew(world, make_user, 11)
    for week in WEEKS:  # 55 sheets over five weeks
        for person in people:
            world.sheet(person, week=week)
    sign_in(world.admin)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}{BASE}?semaine={WEEKS[0]}&semaine_fin={WEEKS[4]}")
    rows = page.locator("#export-list tbody tr")
    expect(rows).to_have_count(55)  # a whole period on one page
    bar = page.locator("#export-actions")

    rows.nth(52).scroll_into_view_if_needed()
    expect(bar).to_be_in_viewport()
    page.get_by_role("button", name="Tout sélectionner").click()
    boxes = page.locator('#export-list input[name="sheet"]')
    expect(page.locator('#export-list input[name="sheet"]:checked')).to_have_count(55)
    expect(page.locator("#export-selection")).to_have_text(
        "55 feuille(s) sélectionnée(s) · 440,00\u00a0h"
    )
    expect(bar.get_by_role("button", name="Aperçu")).to_be_in_viewport()
    page.get_by_role("button", name="Tout désélectionner").click()
    expect(page.locator('#export-list input[name="sheet"]:checked')).to_have_count(0)
    expect(page.locator("#export-selection")).to_have_text("Aucune feuille sélectionnée")

    # Two weeks of the five, chosen in the filter form: select-all takes what is shown.
    page.get_by_label("Semaine du", exact=True).fill(WEEKS[1].isoformat())
    page.get_by_label("Jusqu'à la semaine du").fill((WEEKS[2] + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Filtrer").click()
    expect(rows).to_have_count(22)
    settled(page.locator("#export-list"))
    expect(page.locator("#export-period")).to_contain_text("30 novembre 2026 au 13 décembre 2026")
    page.get_by_role("button", name="Tout sélectionner").click()
    expect(page.locator('#export-list input[name="sheet"]:checked')).to_have_count(22)
    assert boxes.count() == 22


def test_grouped_errors_open_on_their_lines(page, live_server, world, sign_in):
    sheets = [world.sheet(person, hours=("8.00", "8.00")) for person in world.employees.values()]
    db.session.execute(
        sa.delete(RecordLink).where(
            RecordLink.entity == SyncSection.PROJECTS,
            RecordLink.integration_id == world.integration.id,
        )
    )
    db.session.commit()
    sign_in(world.admin)
    page.goto(f"{live_server}{BASE}")
    page.get_by_role("button", name="Tout sélectionner").click()
    page.get_by_role("button", name="Aperçu").click()
    errors = page.locator(".preflight-errors")
    expect(errors).to_contain_text("6 lignes ne peuvent pas être envoyées")
    group = errors.locator(".problem-group")
    expect(group).to_have_count(1)
    listed = group.locator("details li")
    expect(listed.first).to_be_hidden()
    group.get_by_text("Voir les 6 lignes concernées").click()
    expect(listed).to_have_count(6)
    expect(listed.first).to_be_visible()
    expect(listed.first).to_contain_text("lundi 23 novembre 2026")
    assert len(sheets) == 3


def test_envoyer_asks_first_cancel_sends_nothing_confirm_sends(
    page, live_server, world, sign_in, rq
):
    sheet = world.sheet(world.employees["1002"], hours=("8.00", "7.50"), km="12")
    sign_in(world.admin)
    page.goto(f"{live_server}{BASE}")
    page.locator(f"#export-sheet-{sheet.id}").get_by_role("checkbox").check()
    send = page.get_by_role("button", name="Envoyer à Avantage")
    send.click()
    dialog = page.get_by_role("dialog", name="Envoyer à Avantage?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 feuille(s), 3 ligne(s) et 15,50\u00a0h")
    expect(dialog).to_contain_text("« Gelée »")
    expect(dialog).to_contain_text("la dégèle avec un motif")
    expect(dialog.get_by_role("button", name="Annuler")).to_be_focused()  # focus is in it
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(send).to_be_focused()
    send.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_have_count(0)
    assert _batches() == 0

    send.click()
    confirm = dialog.get_by_role("button", name=re.compile("Confirmer l'envoi"))
    settled(dialog)
    with BackgroundWorker(burst=False, jobs=1):
        page.keyboard.press("Tab")  # from Annuler to Confirmer, by keyboard
        expect(confirm).to_be_focused()
        page.keyboard.press("Enter")
        progress = page.locator("#export-progress")
        expect(progress).to_contain_text("Accepté par Avantage", timeout=20_000)
    expect(dialog).to_have_count(0)
    assert _batches() == 1
    expect(progress).to_contain_text("Voir le lot")
    progress.get_by_role("link", name="Voir le lot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Lot TS-\d+"))
    expect(page.locator("#export-progress")).not_to_contain_text("Voir le lot")  # no self-link
    expect(page.locator(".batch-sheet")).to_contain_text("lundi 23 novembre 2026")


def test_sending_only_the_valid_sheets_asks_first_too(page, live_server, world, sign_in, rq):
    """« Envoyer seulement les feuilles valides » is a send: the same confirmation, then the
    new batch's page."""
    good = world.sheet(world.employees["1002"])
    bad = world.sheet(world.employees["1031"])  # inactive in Avantage: the batch is refused
    rejected = send(world, good, bad)
    sign_in(world.admin)
    page.goto(f"{live_server}{BASE}/lots/{rejected.id}")
    page.get_by_role("button", name="Envoyer seulement les feuilles valides").click()
    dialog = page.get_by_role("dialog", name="Envoyer à Avantage?")
    expect(dialog).to_contain_text("1 feuille(s), 1 ligne(s) et 8,00\u00a0h")
    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_have_count(0)
    assert _batches() == 1
    page.get_by_role("button", name="Envoyer seulement les feuilles valides").click()
    settled(dialog)
    with BackgroundWorker(burst=False, jobs=1):
        dialog.get_by_role("button", name=re.compile("Confirmer l'envoi")).click()
        expect(page).to_have_url(re.compile(rf"{BASE}/lots/(?!{rejected.id}$)\d+$"))
        expect(page.locator("#export-progress")).to_contain_text(
            "Accepté par Avantage", timeout=20_000
        )
    assert _batches() == 2
