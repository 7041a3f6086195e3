"""Browser tests: the system Chromium driven by Playwright against the app on a real socket."""

from __future__ import annotations

import os
import re
import threading
import time

import pytest
from playwright.sync_api import Locator, expect
from werkzeug.serving import make_server

#: Debian's Chromium; Playwright never downloads a browser here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


#: ``HTMX_SETTLE_MS=1500 pytest tests/browser`` widens htmx's settle window (20 ms by default) to
#: find tests that act on swapped-in content before htmx has wired its hx- attributes.
SETTLE_MS = os.environ.get("HTMX_SETTLE_MS", "")
#: ``HTMX_LOAD_DELAY_MS=500 pytest tests/browser`` serves htmx that much later, so that a page
#: is on screen well before htmx wires it: tests that act on a new page before it has loaded
#: (instead of ``follow``-ing the link) fail every time.
LOAD_DELAY_MS = os.environ.get("HTMX_LOAD_DELAY_MS", "")
#: The classes htmx puts on content while it swaps and settles it.
SWAPPING = re.compile(r"\bhtmx-(added|settling|swapping|request)\b")


def settled(locator: Locator) -> None:
    """Wait until htmx has finished swapping ``locator`` in.

    Until its settle step runs, swapped-in content is on screen but its hx- attributes are
    inert: a search typed there sends nothing. Call it after waiting for the new content.
    """
    expect(locator).not_to_have_class(SWAPPING)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-CA", "timezone_id": "America/Toronto"}


def follow(page, link: Locator) -> None:
    """Click ``link`` and wait for the new page's load event, as a person waits for a page:
    until then htmx may not have wired it, and a choice made there would send nothing."""
    with page.expect_navigation():
        link.click()


@pytest.fixture(autouse=True)
def htmx_settle_delay(page):
    if LOAD_DELAY_MS.isdigit():

        def late(route) -> None:
            time.sleep(int(LOAD_DELAY_MS) / 1000)
            route.continue_()

        page.route("**/static/htmx.min.js*", late)
    if SETTLE_MS.isdigit():
        page.add_init_script(
            "Object.defineProperty(window, 'htmx', {configurable: true,"
            f" set(v) {{ v.config.defaultSettleDelay = {int(SETTLE_MS)}; this.__htmx = v; }},"
            " get() { return this.__htmx; }});"
        )


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP server on an ephemeral loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the real form, as a person would."""
    from tests.fixtures.factories import PASSWORD

    def sign_in_as(user) -> None:
        page.goto(f"{live_server}/connexion")
        page.get_by_label("Courriel").fill(user.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/connexion" not in url)

    return sign_in_as


@pytest.fixture
def seeded(request, company, rq, make_simulator):
    """The page checks' world: a company whose every page has something long on it."""
    from tests.browser.page_catalogue import seed

    return seed(request, company, make_simulator)


def pytest_terminal_summary(terminalreporter) -> None:
    """Where the journey (test_journey.py) left its screenshots."""
    from tests.browser.journey_steps import SHOT_FOLDERS

    if SHOT_FOLDERS:
        terminalreporter.write_sep("-", "captures d'écran du parcours")
        for folder in dict.fromkeys(SHOT_FOLDERS):
            terminalreporter.write_line(str(folder))
