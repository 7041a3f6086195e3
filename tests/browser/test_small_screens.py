"""Small screens and the top bar: the phone's menu (with and without JavaScript, by keyboard),
toasts that never cover the navigation, and the Avantage dropdown's whole labels."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.page_catalogue import PEOPLE, PROJECT, WIDTHS, context_at, sign_in_page
from tests.project_admin import conftest as project_fixtures

#: Admin du projet's fixtures: a signed-in Superadmin, Avantage's projects listed, a project.
superadmin, connect, sync_now = (
    project_fixtures.superadmin,
    project_fixtures.connect,
    project_fixtures.sync_now,
)
avantage, listed, make_project, link = (
    project_fixtures.avantage,
    project_fixtures.listed,
    project_fixtures.make_project,
    project_fixtures.link,
)


@pytest.mark.parametrize("javascript", [True, False], ids=["with JS", "without JS"])
def test_the_phone_has_a_menu_that_opens_by_keyboard(
    browser, browser_context_args, live_server, make_user, javascript
):
    admin = make_user("superadmin", first_name=PEOPLE[0][0], last_name=PEOPLE[0][1])
    context = context_at(browser, browser_context_args, "390 px", java_script_enabled=javascript)
    page = context.new_page()
    sign_in_page(page, live_server, admin)
    page.goto(f"{live_server}/parametres/licences")
    nav = page.get_by_role("navigation", name="Navigation principale")
    links = nav.locator("a")
    sign_out = page.get_by_role("button", name="Se déconnecter")
    expect(links.first).to_be_hidden()  # folded away: the page starts under the top bar
    menu = page.locator("header summary", has_text="Menu")
    page.keyboard.press("Tab")  # « Aller au contenu »
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    for link in [*links.all(), sign_out]:
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    links.filter(has_text="Projets").click()
    expect(page).to_have_url(f"{live_server}/projets/")
    expect(links.first).to_be_hidden()  # a new page starts with the menu folded again
    context.close()


def test_the_laptop_shows_the_navigation_without_a_menu(
    browser, browser_context_args, live_server, make_user
):
    context = context_at(browser, browser_context_args, "1366 px")
    page = context.new_page()
    sign_in_page(page, live_server, make_user("superadmin"))
    nav = page.get_by_role("navigation", name="Navigation principale")
    for link in nav.locator("a").all():
        expect(link).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator("header summary")).to_be_hidden()
    context.close()


#: Shows a toast as an htmx response's HX-Trigger does (static/app.js listens on the document).
TOAST = """([message, level]) => document.body.dispatchEvent(
  new CustomEvent('toast', {bubbles: true, detail: {message, level}}))"""

#: Whether the element is what a click at its centre reaches (nothing is on top of it).
REACHABLE = """(el) => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return !!hit && (hit === el || el.contains(hit)); }"""


@pytest.mark.parametrize("width", WIDTHS)
def test_stacked_toasts_leave_the_top_bar_and_the_menu_alone(
    browser, browser_context_args, live_server, make_user, width
):
    context = context_at(browser, browser_context_args, width)
    page = context.new_page()
    sign_in_page(page, live_server, make_user("superadmin"))
    page.goto(f"{live_server}/parametres/licences")
    for n in range(8):
        level = "error" if n % 3 == 0 else "success"
        message = f"Synchronisation Employés terminée : {n + 1} 234 créés, {n} mis à jour."
        page.evaluate(TOAST, [message, level])
    toasts = page.locator(".toast")
    expect(toasts).to_have_count(8)
    menu = page.locator("header summary")
    if menu.is_visible():
        menu.click()
    bar = page.locator("header.topbar").bounding_box()
    size = page.viewport_size
    stack = page.locator("#toasts").bounding_box()
    assert stack["x"] >= 0 and stack["x"] + stack["width"] <= size["width"], (width, stack)
    assert stack["y"] >= 0 and stack["y"] + stack["height"] <= size["height"], (width, stack)
    assert stack["y"] >= bar["y"] + bar["height"] or stack["y"] + stack["height"] <= bar["y"], (
        f"the toasts cover the top bar at {width}: {stack} over {bar}"
    )
    header = page.locator("header.topbar")
    for control in [*header.locator("a, button, summary").all()]:
        if control.is_visible():
            assert control.evaluate(REACHABLE), f"a toast covers {control} at {width}"
    context.close()


#: The selected option of the Avantage dropdown: its text, and whether all of it shows.
SELECTED_OPTION = """(select) => { const option = select.selectedOptions[0];
  return [option.textContent.trim().replace(/\\s+/g, ' '), option.scrollWidth <= option.clientWidth,
          select.getBoundingClientRect().right <= window.innerWidth]; }"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_avantage_dropdown_shows_the_selected_project_whole(
    browser, browser_context_args, live_server, superadmin, listed, make_project, link, width
):
    project = make_project("24-101", PROJECT)
    link(listed.integration, project, "24-101")
    context = context_at(browser, browser_context_args, width)
    page = context.new_page()
    sign_in_page(page, live_server, superadmin)
    page.goto(f"{live_server}/projets/{project.id}/integration?integration={listed.integration.id}")
    dropdown = page.get_by_label("Identifiant du projet dans Avantage")
    text, whole, inside = dropdown.evaluate(SELECTED_OPTION)
    assert "24-101 — " in text and "lié à ce projet" in text, text
    assert whole, f"the selected project is cut at {width}: «{text}»"
    assert inside, f"the dropdown is wider than the window at {width}"
    context.close()
