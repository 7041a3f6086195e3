"""Every screen size: each page fits the window at 1366×768 and on a 390 px phone, and what
scrolls sideways (a wide table) is a region a keyboard reaches and a screen reader names.

The pages and their seeded world: ``tests/browser/page_catalogue.py``.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.authz_table import CASES, World
from tests.browser.page_catalogue import (
    ERROR_PAGES,
    FRAGMENTS,
    WIDTHS,
    LongWorld,
    context_at,
    page_urls,
    sign_in_page,
)
from tests.browser.window_fit import measure

#: The window every page is measured in here; at 1366 px only the Aperçu is.
PHONE = "390 px"


def test_every_get_route_is_a_page_or_a_named_fragment(app, request, company):
    """A GET route added to the app is measured here, or said to be a region of a page."""
    world = World(company, "superadmin", request)
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    pages = {case.endpoint for case in CASES if case.method == "GET" and not case.htmx}
    assert rules - {"static"} - pages - set(FRAGMENTS) == set()
    assert pages & set(FRAGMENTS) == set()
    assert page_urls(app, world, {"public"})  # the templates fill


def _preview_problems(page: Page, live_server: str, world: LongWorld) -> list[str]:
    """The Aperçu of every sheet ready to send (an htmx region of Exportation vers la paie)."""
    page.goto(f"{live_server}/feuilles-de-temps/exportation?integration={world.integration.id}")
    for sheet in page.locator("#export-list input[name=sheet]:enabled").all():
        sheet.check()
    page.get_by_role("button", name="Aperçu", exact=True).click()
    expect(page.locator("#export-preview").get_by_role("heading", name="Aperçu")).to_be_visible()
    return measure(page, "Aperçu, Superadmin")


def _layout_problems(page: Page, live_server: str, urls: list[str], who: str) -> list[str]:
    """The pages in ``urls``, as ``who`` sees them, that are wider than the window or hold a
    sideways scrolling region a keyboard or a screen reader cannot use; what is wrong in each."""
    failures = []
    for url in urls:
        try:
            response = page.goto(live_server + url)
        except PlaywrightError as error:
            if "Download is starting" in error.message:
                continue  # a file to download (CSV), not a page
            raise
        if response.status != (404 if url in ERROR_PAGES else 200):
            failures.append(f"{url} ({who}) answered {response.status}")
            continue
        if not page.locator("header.topbar").count():  # a region of a page, measured there
            continue
        failures += measure(page, f"{url}, {who}")
    return failures


def _every_page_problems(app, page: Page, live_server: str, seeded) -> list[str]:
    """Every page, as the public, an employee and the Superadmin see it (signed in as the
    Superadmin at the end)."""
    found = _layout_problems(page, live_server, page_urls(app, seeded.admin, {"public"}), "public")
    sign_in_page(page, live_server, seeded.employee.actor)
    employee_pages = page_urls(app, seeded.employee, {"signed_in"})
    found += _layout_problems(page, live_server, employee_pages, "employee")
    page.context.clear_cookies()
    sign_in_page(page, live_server, seeded.admin.actor)
    admin_pages = page_urls(
        app, seeded.admin, {"signed_in", "reviewer", "ts_admin", "manager", "superadmin"}
    )
    return found + _layout_problems(page, live_server, admin_pages + ERROR_PAGES, "Superadmin")


def test_every_page_fits_the_window(
    app, browser: Browser, browser_context_args, live_server, seeded
):
    """No page is wider than the window, at 1366 px or on a 390 px phone, for any user.

    At 1366 px test_accessibility measures every page of every role in French already: here
    every page in French on the phone (its words are longer than English's), and the Aperçu
    at both widths."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600  # the CSS and scripts load once per width
    failures = []
    for label in WIDTHS:
        context = context_at(browser, browser_context_args, label)
        page = context.new_page()
        if label == PHONE:
            found = _every_page_problems(app, page, live_server, seeded)
        else:
            found = []
            sign_in_page(page, live_server, seeded.admin.actor)
        found += _preview_problems(page, live_server, seeded.admin)
        failures += [f"{label}: {problem}" for problem in found]
        context.close()
    assert not failures, "pages that do not fit the window:\n" + "\n".join(failures)
