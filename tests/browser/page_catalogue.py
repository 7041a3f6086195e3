"""Every page of the app, for every role: the seeded world the page checks share
(``test_layout_widths``, ``test_accessibility``) and the URLs it fills.

The pages are the app's GET routes (``app.url_map``), their URLs filled from the
authorization table's seeded world (``tests/authz_table.py``) with long content: long names,
e-mails and project names, a company synchronised with the simulator (every section, so the
consoles and grids are full) and a project linked to Avantage with its budget columns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from portal import jobs
from portal.blueprints import company_sync
from portal.blueprints.project_admin import integration as project_integration
from portal.blueprints.settings import catalog
from portal.extensions import db
from portal.models import AccessPoint, Company, ExpenseLine, HourLine, Integration, User
from portal.services import project_links
from tests.authz_table import ALLOWED, CASES, World
from tests.fixtures.factories import PASSWORD, connect_avantage
from tests.fixtures.queue import work

#: The two screens of the issue: a laptop and a phone.
WIDTHS = {"1366 px": (1366, 768), "390 px": (390, 844)}

#: GET routes that only answer htmx with a region of a page; each is checked inside the
#: page that holds it (named here), not as a page of its own.
FRAGMENTS = {
    "timesheets.activity_options": "the hour line form of a sheet",
    "timesheets.employee_options": "an employee picker (the filters, the week picker)",
    "timesheets.expense_value_field": "the expense line form of a sheet",
    "timesheets.export_progress": "the batch page",
    "timesheets.revisions": "a corrected sheet's page",
    "project_admin.avantage_projects": "Configuration d'intégrations",
    "project_admin.sync_history": "a project's Activités / Budget page",
    "company_sync.history": "a section of Synchroniser",
    "company_sync.choices": "a row's link picker in a matching console",
    "runs.progress": "a section of Synchroniser",
}

#: Routes whose ``<slug>`` names a tab: every tab is a page to check.
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
    """The worlds of the Superadmin and of an employee, in one company; ``world(role)`` adds
    the other roles' on first use, sharing the same work data and integration."""

    admin: LongWorld
    employee: LongWorld
    request: pytest.FixtureRequest
    _others: dict[str, LongWorld] = field(default_factory=dict)

    def world(self, role: str) -> LongWorld:
        if role == "superadmin":
            return self.admin
        if role == "employee":
            return self.employee
        if role not in self._others:
            world = LongWorld(self.admin.company, role, self.request)
            world.__dict__.update(work=self.admin.work, integration=self.admin.integration)
            self._others[role] = world
        return self._others[role]


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


def seed(request: pytest.FixtureRequest, company: Company, make_simulator) -> Seeded:
    """A company whose every page has something long on it (needs the ``rq`` fixture)."""
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
    return Seeded(admin, employee, request)


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


def role_pages(app, seeded: Seeded, role: str) -> list[str]:
    """Every page ``role`` may open, besides the public ones (the Superadmin's: the error page
    too)."""
    rules = {rule for rule, roles in ALLOWED.items() if role in roles} - {"public"}
    urls = page_urls(app, seeded.world(role), rules)
    return urls + ERROR_PAGES if role == "superadmin" else urls


def context_at(
    browser: Browser, browser_context_args: dict, width: str, **options
) -> BrowserContext:
    """A new browser context whose window is one of ``WIDTHS``."""
    viewport = dict(zip(("width", "height"), WIDTHS[width], strict=True))
    return browser.new_context(**browser_context_args, viewport=viewport, **options)


def sign_in_page(page: Page, live_server: str, user: User) -> None:
    """Sign ``user`` in through the form, in ``page``'s context (in either language)."""
    page.goto(f"{live_server}/connexion")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button.primary").click()
    page.wait_for_url(lambda url: "/connexion" not in url)
