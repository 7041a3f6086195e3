"""Buttons repeated in rows (« Modifier », « Désactiver », « Ouvrir »…) name their row for screen
readers, each with a name of its own on the page; table headers are never empty."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal import jobs
from portal.extensions import db
from portal.models import ExpenseKind, ExpenseType, SyncSection
from portal.services import integrations
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import work

#: The visible words of the actions a list repeats on each of its rows.
REPEATED = {"Modifier", "Désactiver", "Réactiver", "Supprimer", "Ouvrir", "Lier", "Délier"}
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}


class Controls(HTMLParser):
    """The page's buttons and links with their text and aria-label; its header cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, str | None]] = []
        self.headers: list[str] = []
        self._open: list[list] = []  # [tag, aria-label, text parts]

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self._open.append([tag, dict(attrs).get("aria-label"), []])

    def handle_endtag(self, tag):
        while self._open:
            name, label, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if self._open:
                self._open[-1][2].append("".join(parts))
            if name in ("button", "a"):
                self.controls.append((text, label))
            elif name == "th":
                self.headers.append(text)
            if name == tag:
                return

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)


def parse(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def assert_rows_are_named(html: str, *expected: str) -> None:
    """Each repeated action has a name starting with its verb, unique on the page; the names
    ``expected`` are there; no table header is empty."""
    page = parse(html)
    repeated = [(text, label) for text, label in page.controls if text in REPEATED]
    assert repeated, "no repeated action on the page"
    for text, label in repeated:
        assert label and label.startswith(text) and label != text, (text, label)
    labels = [label for _text, label in repeated]
    assert len(labels) == len(set(labels)), labels
    for name in expected:
        assert name in {label for _text, label in page.controls}, (name, labels)
    assert all(page.headers), page.headers


def test_employee_rows(client, auth, make_user):
    admin = auth.login(make_user("superadmin", first_name="Patrick", last_name="Lavoie"))
    make_user("employee", first_name="Josée", last_name="Tremblay")
    make_user("employee", first_name="Luc", last_name="Bernier", active=False)
    page = client.get("/parametres/licences?etat=tous").text
    assert_rows_are_named(
        page,
        "Modifier Josée Tremblay",
        "Désactiver Josée Tremblay",
        f"Modifier {admin.full_name}",
    )


def test_catalog_rows(client, auth, make_user, company, make_work_data):
    auth.login(make_user("manager"))
    make_work_data(company)
    page = client.get("/parametres/metiers").text
    assert_rows_are_named(page, "Modifier CHARP — Charpentier-menuisier")


def test_activity_rows(client, auth, make_user, company, make_work_data):
    auth.login(make_user("manager"))
    project = make_work_data(company)["project"]
    page = client.get(f"/projets/{project.id}").text
    assert_rows_are_named(page, "Modifier 03-100 — Coffrage", "Désactiver 06-100 — Charpente")


def test_sheet_list_and_line_rows(client, auth, make_user, company, make_work_data, make_timesheet):
    validator = auth.login(make_user("validator", first_name="Valérie", last_name="Roy"))
    employee = make_user("employee", first_name="Émile", last_name="Gagnon")
    work_data = make_work_data(company)
    sheet = make_timesheet(employee, work_data)
    make_timesheet(validator, work_data)
    listing = client.get("/feuilles-de-temps/").text
    assert_rows_are_named(listing, "Ouvrir la feuille de Émile Gagnon, 23–29 nov. 2026")
    week = client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True).text
    names = [label for text, label in parse(week).controls if text in REPEATED]
    assert_rows_are_named(week)
    assert any(
        name.startswith("Modifier la ligne du ") and "03-100 — Coffrage" in name for name in names
    ), names


def test_access_point_rows(client, auth, make_user):
    admin = auth.login(make_user("superadmin"))
    integration = integrations.create_integration(admin.company_id, admin, "AVANTAGE", "avantage")
    for host in ("avantage.exemple.ca", "secours.exemple.ca"):
        integrations.save_access_point(
            admin.company_id,
            admin,
            integration,
            integrations.AccessPointData(url=f"tcp://{host}:2131", username="u", password="p" * 8),
            allow_private=True,
        )
    db.session.commit()
    page = client.get(f"/parametres/integrations/{integration.id}").text
    assert_rows_are_named(
        page,
        "Modifier tcp://avantage.exemple.ca:2131",
        "Supprimer tcp://secours.exemple.ca:2131",
        "Tester tcp://secours.exemple.ca:2131",
        "Définir par défaut tcp://secours.exemple.ca:2131",
    )


@pytest.mark.parametrize(("slug", "section"), [("employes", SyncSection.EMPLOYEES)])
def test_console_rows(client, auth, make_user, make_simulator, rq, slug, section):
    admin = auth.login(make_user("superadmin", employee_number="1001"))
    integration = connect_avantage(admin, make_simulator(employees=5))
    jobs.start_sync(integration, section, admin)
    work()
    page = client.get(f"/parametres/integrations/{integration.id}/synchro/{slug}").text
    assert_rows_are_named(page, "Délier 1001")


def test_mapping_grid_headers_are_not_empty(client, auth, make_user, make_simulator, rq):
    admin = auth.login(make_user("superadmin"))
    db.session.add(
        ExpenseType(
            company_id=admin.company_id, code="REPAS", name="Repas", kind=ExpenseKind.AMOUNT
        )
    )
    db.session.commit()
    integration = connect_avantage(admin, make_simulator(employees=5))
    jobs.start_sync(integration, SyncSection.EARNINGS, admin)
    work()
    page = parse(
        client.get(f"/parametres/integrations/{integration.id}/synchro/depenses-primes").text
    )
    assert "État de l'association" in page.headers and all(page.headers), page.headers
