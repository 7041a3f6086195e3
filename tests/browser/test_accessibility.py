"""Every page, for every role, in French and in English: no serious or critical axe-core
violation, no page wider than its window, and HTML the W3C Nu checker finds no error in.

French is checked at 1366 px and English on a 390 px phone (``test_layout_widths`` checks both
widths in French). The HTML checked is what the server sent: each page, and each region a page
loads with htmx as it opens. The tools come from the npm registry (``make node-deps``); nothing
is fetched while the test runs. The pages: ``tests/browser/page_catalogue.py``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response
from playwright.sync_api import Error as PlaywrightError

from tests.authz_table import ROLES
from tests.browser.page_catalogue import ERROR_PAGES, Seeded, context_at, page_urls, role_pages
from tests.browser.page_catalogue import sign_in_page as sign_in
from tests.browser.window_fit import QUIET, measure

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"

#: Each language and the window it is checked in.
LANGUAGES = {"fr": "1366 px", "en": "390 px"}
#: What fails the test; axe's "moderate" and "minor" are advice.
FAILING_IMPACTS = ("serious", "critical")

#: Starts axe on the page shown now; ``window.__axeViolations`` then becomes (a promise of) its
#: violations of a failing impact: rule, help, the elements.
AXE_START = """(impacts) => {
  window.__axeViolations = axe.run(document, {resultTypes: ['violations']}).then((result) =>
    result.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 10)})));
}"""
#: Tabs per browser context: axe checks a page in one while the next page loads in another.
TABS = 3

#: The checker knows no htmx: its hx-* attributes are the app's, on purpose (htmx reads no
#: data-hx-* faster or better); every other error counts.
HTMX_ATTRIBUTES = r".*Attribute “hx-[a-z-]+” not allowed on element “[a-z]+” at this point\."

#: The checker, in one run for every page kept (its JSON report goes to stderr).
VNU_COMMAND = ["java", "-jar", str(VNU), "--errors-only", "--format", "json"]
VNU_COMMAND += ["--filterpattern", HTMX_ATTRIBUTES]

#: A region htmx loads, made a document for the checker (a fragment has no head).
FRAGMENT_DOCUMENT = (
    '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>fragment</title>'
    "</head><body>{body}</body></html>"
)


@dataclass
class Findings:
    """What the crawl found, and the HTML it kept for the checker (file name → where from)."""

    html_dir: Path
    axe: list[str] = field(default_factory=list)
    widths: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def keep(self, html: str, where: str) -> None:
        name = f"{len(self.sources):04d}.html"
        (self.html_dir / name).write_text(html, encoding="utf-8")
        self.sources[name] = where


class Tab:
    """One tab of a pipeline: axe runs in it while the next page loads in another."""

    def __init__(self, page: Page, lang: str, found: Findings) -> None:
        self.page, self.lang, self.found = page, lang, found
        self.loads: list[Response] = []  # the regions htmx loads as the page opens
        self.checking: tuple[str, str] | None = None  # (url, where) axe is checking
        page.on("response", self._seen)

    def _seen(self, response: Response) -> None:
        request = response.request
        if request.method == "GET" and request.headers.get("hx-request") == "true":
            self.loads.append(response)

    def open(self, url: str, where: str) -> None:
        """Open ``url``: check its status and width, keep its HTML, and start axe on it."""
        self.finish()
        self.loads = []
        try:
            response = self.page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in error.message:
                return  # a file to download (CSV), not a page
            raise
        expected = 404 if any(url.endswith(missing) for missing in ERROR_PAGES) else 200
        if response.status != expected:
            self.found.statuses.append(f"{url} ({where}) answered {response.status}")
            return
        if not self.page.locator("header.topbar").count():
            return  # a region of a page, checked there
        self.page.wait_for_function(QUIET)
        self.found.keep(response.text(), f"{url} ({where})")
        for load in self.loads:
            if load.ok and "text/html" in load.headers.get("content-type", ""):
                body = FRAGMENT_DOCUMENT.format(lang=self.lang, body=load.text())
                self.found.keep(body, f"{load.url} (htmx, in {url}, {where})")
        self.found.widths += measure(self.page, where)
        self.page.evaluate(AXE_START, list(FAILING_IMPACTS))
        self.checking = (url, where)

    def finish(self) -> None:
        """Wait for axe's verdict on the page this tab shows, if it is checking one."""
        if self.checking is None:
            return
        url, where = self.checking
        self.checking = None
        for violation in self.page.evaluate("() => window.__axeViolations"):
            self.found.axe.append(
                f"{url} ({where}): {violation['id']} [{violation['impact']}] {violation['help']}"
                + "".join(f"\n    {target}" for target in violation["targets"])
            )


def _check_all(tabs: list[Tab], urls: list[str], where: str) -> None:
    """Every page of ``urls``, in turn in each tab; every verdict is in when it returns."""
    for n, url in enumerate(urls):
        tabs[n % len(tabs)].open(url, where)
    for tab in tabs:
        tab.finish()


def _switch_to_english(page: Page) -> None:
    """The top bar's language switch, as a person uses it (it keeps the choice for the user)."""
    menu = page.locator("summary.navmenu-button")
    if menu.is_visible():  # a phone: the switch is in the folded menu
        menu.click()
    with page.expect_navigation():
        page.locator("form.langswitch button").click()
    assert page.locator("html").get_attribute("lang") == "en"


def _crawl(app, browser: Browser, args: dict, live_server: str, seeded: Seeded, found) -> None:
    """Every page of every role, in both languages."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600  # the CSS and scripts load once per context
    public = [live_server + url for url in page_urls(app, seeded.admin, {"public"})]
    pages = {
        role: [live_server + url for url in role_pages(app, seeded, role)]
        for role in ROLES
        if role != "anonymous"
    }
    for lang, width in LANGUAGES.items():
        context = context_at(browser, args, width)
        context.add_init_script(path=str(AXE))  # outside the page's CSP, which stays as served
        tabs = [Tab(context.new_page(), lang, found) for _ in range(TABS)]
        page = tabs[0].page
        if lang == "en":
            page.goto(f"{live_server}/connexion")
            _switch_to_english(page)
        _check_all(tabs, public, f"anonymous, {lang}, {width}")
        for role, urls in pages.items():
            context.clear_cookies()
            sign_in(page, live_server, seeded.world(role).actor)
            if lang == "en":
                _switch_to_english(page)
            _check_all(tabs, urls, f"{role}, {lang}, {width}")
        context.close()


def _html_errors(found: Findings) -> list[str]:
    """The Nu checker's errors in every page kept, in one run of the jar."""
    files = sorted(found.sources)
    if not files:
        return []
    checked = subprocess.run(
        [*VNU_COMMAND, *files],
        cwd=found.html_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(checked.stderr or '{"messages": []}')["messages"]
    errors = []
    for message in messages:
        name = Path(message.get("url", "")).name
        where = found.sources.get(name, message.get("url", "?"))
        extract = " ".join(message.get("extract", "").split())[:120]
        errors.append(
            f"{where}, line {message.get('lastLine', '?')}: {message['message']}"
            + (f"\n    «{extract}»" if extract else "")
        )
    return errors


def test_every_page_passes_axe_and_the_html_checker(
    app, browser: Browser, browser_context_args, live_server, seeded, subtests, tmp_path
):
    """axe-core and the W3C Nu checker on every page each role opens, in French and English."""
    missing = [str(tool.relative_to(ROOT)) for tool in (AXE, VNU) if not tool.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make node-deps`")
    found = Findings(tmp_path)
    _crawl(app, browser, browser_context_args, live_server, seeded, found)
    assert not found.statuses, "pages that did not open:\n" + "\n".join(found.statuses)
    with subtests.test("axe-core"):
        assert not found.axe, "serious or critical axe-core violations:\n" + "\n".join(found.axe)
    with subtests.test("window widths"):
        assert not found.widths, "pages that do not fit the window:\n" + "\n".join(found.widths)
    with subtests.test("HTML"):
        errors = _html_errors(found)
        assert not errors, "HTML the W3C Nu checker refuses:\n" + "\n".join(errors)
