"""Every screen size: each page fits the window at 1366×768 and on a 390 px phone, and what
scrolls sideways (a wide table) is a region a keyboard reaches and a screen reader names.

The pages are the app's GET routes (``app.url_map``), their URLs filled from the
authorization table's seeded world (``tests/authz_table.py``) with long content: long names,
e-mails and project names, a company synchronised with the simulator (every section, so the
consoles and grids are full) and a project linked to Avantage with its budget columns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from portal import jobs
from portal.blueprints import company_sync
from portal.blueprints.project_admin import integration as project_integration
from portal.blueprints.settings import catalog
from portal.extensions import db
from portal.models import (
    AccessPoint,
    ExpenseLine,
    HourLine,
    Integration,
    User,
)
from portal.services import project_links
from tests.authz_table import CASES, World
from tests.fixtures.factories import PASSWORD, connect_avantage
from tests.fixtures.queue import work

#: The two screens of the issue: a laptop and a phone.
WIDTHS = {"1366 px": (1366, 768), "390 px": (390, 844)}

#: GET routes that only answer htmx with a region of a page; each is measured inside the
#: page that holds it (named here), not as a page of its own.
FRAGMENTS = {
    "timesheets.activity_options": "the hour line form of a sheet",
    "timesheets.employee_options": "an employee picker (the filters, the week picker)",
    "timesheets.expense_value_field": "the expense line form of a sheet",
    "timesheets.export_progress": "the batch page",
    "project_admin.avantage_projects": "Configuration d'intégrations",
    "project_admin.sync_history": "a project's Activités / Budget page",
    "company_sync.history": "a section of Synchroniser",
    "company_sync.choices": "a row's link picker in a matching console",
    "runs.progress": "a section of Synchroniser",
}

#: Routes whose ``<slug>`` names a tab: every tab is a page to measure.
TABS = {
    "settings.catalog_list": catalog.SECTIONS,
    "company_sync.section": company_sync.SECTIONS,
    "project_admin.sync_section": project_integration.SECTIONS,
}

#: A page that is not there (the error page).
ERROR_PAGES = ["/projets/999999"]

COMPANY = "Construction Bélanger et Fils, entrepreneurs généraux de la Rive-Sud inc."
PROJECT = (
    "Agrandissement et réfection complète de l'école secondaire Pierre-Dupuy — phase 2, "
    "aile B, gymnase et stationnement souterrain"
)
ACTIVITY = "Coffrage des fondations, des murs de soutènement et des dalles structurales"
TRADE = "Charpentier-menuisier compagnon (cartes de compétence multiples)"
#: Québec names, some as long as they come.
PEOPLE = [
    ("Marie-Ève-Geneviève", "Bélanger-Létourneau-Desrosiers"),
    ("Jean-François-Xavier", "Tremblay-Vaillancourt"),
    ("Josée", "Bouchard-Lévesque"),
    ("Étienne", "Bédard"),
    ("Anne-Marie", "Gagnon-Pelletier"),
    ("Maximilien", "Archambault-Castonguay"),
]


class LongWorld(World):
    """The authorization table's world, with names, e-mails and projects as long as real ones."""

    _serial = itertools.count(1)

    def user(self, role: str, **fields) -> User:
        n = next(self._serial)
        first, last = PEOPLE[n % len(PEOPLE)]
        fields.setdefault("first_name", first)
        fields.setdefault("last_name", last)
        fields.setdefault("employee_number", str(8000 + n))  # Avantage's are 1001 and up
        email = f"{first}.{last}.{n}@constructionbelanger-et-fils-rive-sud.qc.ca"
        fields.setdefault("email", email.lower().replace("é", "e").replace("è", "e"))
        return super().user(role, **fields)

    @cached_property
    def work(self) -> dict:
        work = super().work
        work["project"].name = PROJECT
        work["formwork"].name = ACTIVITY
        work["trade"].name = TRADE
        db.session.commit()
        return work

    @cached_property
    def integration(self) -> Integration:
        return connect_avantage(self.actor, self.simulator)

    @cached_property
    def point(self) -> AccessPoint:
        return self.integration.default_access_point


@dataclass
class Seeded:
    """The worlds of the Superadmin and of an employee, in one company."""

    admin: LongWorld
    employee: LongWorld


def _fill_sheet(world: LongWorld, sheet) -> None:
    """A week of hours and expenses on the long project (a sheet as wide as they come)."""
    work = world.work
    for day in range(1, 6):
        sheet.hour_lines.append(
            HourLine(
                work_date=sheet.week_start + timedelta(days=day % 5),
                project=work["project"],
                activity=work["framing" if day % 2 else "formwork"],
                trade=work["trade"],
                hour_type=work["overtime"] if day == 5 else None,
                hours=Decimal("10.75"),
            )
        )
    sheet.expense_lines.append(
        ExpenseLine(
            work_date=sheet.week_start,
            project=work["project"],
            activity=work["formwork"],
            expense_type=work["km"],
            quantity=Decimal("1234.50"),
        )
    )
    db.session.commit()


@pytest.fixture
def seeded(request, company, rq, make_simulator) -> Seeded:
    """A company whose every page has something long on it."""
    company.name = COMPANY
    admin = LongWorld(company, "superadmin", request)
    admin.simulator = make_simulator(employees=60, company_name=COMPANY)
    for _ in range(25):  # a full page of Gestion des licences
        admin.user("employee")
    project = admin.work["project"]  # before the syncs, which link its trade and hour types
    for section in company_sync.SECTIONS.values():
        jobs.start_sync(admin.integration, section, admin.actor)
        work()
    project_links.link_project(admin.integration, project, "24-101", admin.actor)
    db.session.commit()
    for section in project_integration.SECTIONS.values():
        jobs.start_sync(admin.integration, section, admin.actor, project=project)
        work()
    employee = LongWorld(company, "employee", request)
    employee.__dict__.update(work=admin.work, integration=admin.integration)
    for world in (admin, employee):
        _fill_sheet(world, world.own_draft)
    _fill_sheet(admin, admin.others_validated)
    db.session.expire_all()
    return Seeded(admin, employee)


def page_urls(app, world: World, rule_names: set[str]) -> list[str]:
    """The URL of every page a GET route of the app serves, for ``world``'s user.

    A route's URL comes from its cases in the authorization table (htmx ones aside); a route
    whose ``<slug>`` names a tab gives one page per tab.
    """
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        cases = [
            case
            for case in CASES
            if case.endpoint == rule.endpoint
            and case.method == "GET"
            and not case.htmx
            and case.rule in rule_names
        ]
        for case in cases:
            url = world.fill(case.url)
            path, _, query = url.partition("?")
            endpoint, values = adapter.match(path, method="GET")
            for slug in TABS.get(endpoint, [values.get("slug")]):
                built = adapter.build(endpoint, {**values, "slug": slug} if slug else values)
                urls.append(f"{built}?{query}" if query else built)
    return list(dict.fromkeys(urls))


def test_every_get_route_is_a_page_or_a_named_fragment(app, request, company):
    """A GET route added to the app is measured here, or said to be a region of a page."""
    world = World(company, "superadmin", request)
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    pages = {case.endpoint for case in CASES if case.method == "GET" and not case.htmx}
    assert rules - {"static"} - pages - set(FRAGMENTS) == set()
    assert pages & set(FRAGMENTS) == set()
    assert page_urls(app, world, {"public"})  # the templates fill


#: Waits until htmx has nothing in flight and nothing left to settle.
QUIET = """() => !document.querySelector(
  '.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added, [hx-trigger="load"]')"""

#: ``null`` when the page fits the window; otherwise its width and what sticks out farthest
#: outside any scrolling region: the outermost element there, and the innermost element or text
#: at that edge (the cause: a table, a long word…).
OVERFLOW = """() => {
  const width = window.innerWidth, doc = document.documentElement;
  if (doc.scrollWidth <= width) return null;
  // Whether a region that scrolls (or clips) holds el: its parents up to its containing block
  // (an absolutely positioned element escapes the static ones in between).
  const clipped = (el) => {
    let escapes = getComputedStyle(el).position;
    if (escapes === 'fixed') return true;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (escapes === 'absolute' && style.position === 'static') continue;
      if (style.overflowX !== 'visible' || style.position === 'fixed') return true;
      escapes = style.position;
    }
    return false;
  };
  const scrolls = (el) => getComputedStyle(el).overflowX !== 'visible' || clipped(el);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join('');
  const path = (el, depth) => {
    const names = [];
    for (; el && el !== document.body && names.length < depth; el = el.parentElement)
      names.unshift(name(el));
    return names.join(' > ');
  };
  let outer = null, inner = null, right = width + 0.5, innerRight = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect().right + window.scrollX;
    if (r > width + 0.5 && !clipped(el)) {
      if (r > right) { outer = el; right = r; }
      if (r >= innerRight) { inner = el; innerRight = r; }
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.data.trim() || scrolls(text.parentElement)) continue;
    range.selectNodeContents(text);
    const r = range.getBoundingClientRect().right + window.scrollX;
    if (r > width + 0.5 && r >= innerRight) { inner = text.parentElement; innerRight = r;
      if (!outer || r > right) { outer = text.parentElement; right = r; } }
  }
  const text = (el) => el ? (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ')
    .slice(0, 50) : '';
  return {scrollWidth: doc.scrollWidth, width,
          element: outer ? path(outer, 3) : '?', right: Math.round(right),
          cause: inner && inner !== outer ? path(inner, 2) : '', text: text(inner || outer)};
}"""


#: The regions that scroll sideways now but that a keyboard cannot reach or a screen reader
#: cannot name (each needs tabindex="0", role="region" and a name).
HIDDEN_SCROLLERS = """() => [...document.body.querySelectorAll('*')].filter((el) =>
    ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) &&
    el.scrollWidth > el.clientWidth + 1 &&
    !(el.tabIndex >= 0 && el.getAttribute('role') === 'region' &&
      (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
  .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join(''))"""


def context_at(browser: Browser, browser_context_args: dict, width: str, **options):
    """A new browser context whose window is one of ``WIDTHS``."""
    viewport = dict(zip(("width", "height"), WIDTHS[width], strict=True))
    return browser.new_context(**browser_context_args, viewport=viewport, **options)


def sign_in_page(page: Page, live_server: str, user: User) -> None:
    """Sign ``user`` in through the form, in ``page``'s context."""
    page.goto(f"{live_server}/connexion")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)


def _measure(page: Page, where: str) -> list[str]:
    """What does not fit the window on the page shown now (``where`` names it)."""
    page.wait_for_function(QUIET)
    found = page.evaluate(OVERFLOW)
    title = page.title().split(" · ")[0]
    failures = [
        f"{title} ({where}): {scroller} scrolls but is no named region"
        for scroller in page.evaluate(HIDDEN_SCROLLERS)
    ]
    if found:
        failures.append(
            f"{title} ({where}): {found['scrollWidth']} px wide in a "
            f"{found['width']} px window; widest: {found['element']} reaching "
            f"{found['right']} px"
            + (f", because of {found['cause']}" if found["cause"] else "")
            + f" «{found['text']}»"
        )
    return failures


def _preview_problems(page: Page, live_server: str, world: LongWorld) -> list[str]:
    """The Aperçu of every sheet ready to send (an htmx region of Exportation vers la paie)."""
    page.goto(f"{live_server}/feuilles-de-temps/exportation?integration={world.integration.id}")
    for sheet in page.locator("#export-list input[name=sheet]:enabled").all():
        sheet.check()
    page.get_by_role("button", name="Aperçu", exact=True).click()
    expect(page.locator("#export-preview").get_by_role("heading", name="Aperçu")).to_be_visible()
    return _measure(page, "Aperçu, Superadmin")


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
        failures += _measure(page, f"{url}, {who}")
    return failures


def test_every_page_fits_the_window(
    app, browser: Browser, browser_context_args, live_server, seeded
):
    """No page is wider than the window, at 1366 px or on a 390 px phone, for any user."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600  # the CSS and scripts load once per width
    admin_pages = page_urls(
        app, seeded.admin, {"signed_in", "reviewer", "ts_admin", "manager", "superadmin"}
    )
    admin_pages += ERROR_PAGES
    public_pages = page_urls(app, seeded.admin, {"public"})
    employee_pages = page_urls(app, seeded.employee, {"signed_in"})
    failures = []
    for label in WIDTHS:
        context = context_at(browser, browser_context_args, label)
        page = context.new_page()
        failures += [
            f"{label}: {f}" for f in _layout_problems(page, live_server, public_pages, "public")
        ]
        sign_in_page(page, live_server, seeded.admin.actor)
        failures += [
            f"{label}: {f}" for f in _layout_problems(page, live_server, admin_pages, "Superadmin")
        ]
        failures += [f"{label}: {f}" for f in _preview_problems(page, live_server, seeded.admin)]
        context.clear_cookies()
        sign_in_page(page, live_server, seeded.employee.actor)
        failures += [
            f"{label}: {f}" for f in _layout_problems(page, live_server, employee_pages, "employee")
        ]
        context.close()
    assert not failures, "pages that do not fit the window:\n" + "\n".join(failures)
