"""The sync's progress is announced: one live region, the same element from the page load to
the summary, whose text changes (queued, running, done) while the polled part is swapped."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import BackgroundWorker

#: Marks the live region and records each text it takes: a replaced element loses the mark.
WATCH = """() => {
  const region = document.getElementById('sync-status');
  region.__stable = 'same node';
  window.__said = [region.textContent.trim()];
  new MutationObserver(() => window.__said.push(region.textContent.trim()))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""
SAME_NODE = "() => document.getElementById('sync-status').__stable"


def test_the_live_region_stays_while_its_text_follows_the_run(
    page, live_server, make_user, sign_in, make_simulator, app, rq
):
    # 15 pages of 250 ms at least: several polls see the run under way.
    app.config["SYNC_PAGE_SIZE"] = 20
    simulator = make_simulator(employees=300, latency_ms=250)
    admin = make_user("superadmin", employee_number="9001")
    integration = connect_avantage(admin, simulator)
    sign_in(admin)
    page.goto(f"{live_server}/parametres/integrations/{integration.id}/synchro/employes")
    region = page.locator("#sync-status")
    expect(region).to_have_attribute("role", "status")
    expect(region).to_have_attribute("aria-live", "polite")
    page.evaluate(WATCH)

    page.get_by_role("button", name="Synchroniser").click()
    # Queued, no worker yet: the first placeholder is already in the live region.
    expect(region).to_have_text("Employés : en attente… le traitement va commencer.")
    expect(page.locator("#sync-progress")).to_contain_text("En attente")
    assert page.evaluate(SAME_NODE) == "same node"

    with BackgroundWorker(burst=False, jobs=1):
        expect(region).to_contain_text("en cours", timeout=15_000)
        assert page.evaluate(SAME_NODE) == "same node"
        expect(page.locator("#sync-progress")).to_contain_text("Terminée", timeout=30_000)
    expect(region).to_have_text("Synchronisation Employés terminée. 291 créés, 9 inchangés.")
    assert page.evaluate(SAME_NODE) == "same node"
    said = page.evaluate("() => window.__said")
    running = [text for text in said if "en cours" in text]
    assert (
        said[0] == "" and said[-1] == "Synchronisation Employés terminée. 291 créés, 9 inchangés."
    )
    assert "Employés : en attente… le traitement va commencer." in said
    assert len(set(running)) >= 2, said  # the progress moved, in tens of percent
    assert len(said) == len(set(said)), said  # nothing said twice: polls that bring no news
    # The region is announced, not shown twice: the visible part is the swapped one.
    expect(page.locator("#sync-progress [data-count='done']")).to_contain_text("300 / 300")
