"""Every page writes numbers, money, hours, durations and dates as its reader's locale does.

Every GET route of ``app.url_map`` is requested through the cases of ``tests/authz_table.py``
(``test_every_page_is_rendered`` fails on a page without one), plus every sync section's tab
and the Aperçu of the export, by every role allowed on it, in French and in English (CSV
downloads are not pages). The world behind them has figures that
need separators and decimals: 20 000+ records and lines, 1 234,50 h of budget, amounts over
1 000 $, 7,25 h lines, a 12,35 s sync, a 1,8 ms round trip, trade rates of 25,08 $/h.

The visible text (without ``<script>``, ``<style>``, ``<code>``, ``<kbd>``, ``<pre>``,
``<textarea>``, attribute values — so ``<input>`` values — and URLs) must not contain

* in French, a number with a decimal point (« 7.25 »);
* in English, a number with a French decimal comma (« 7,25 »);
* in either language, a run of five digits or more (« 20000 », a quantity without its
  thousands separator), or an ISO date (« 2026-11-23 »).

Identifiers are not quantities, and no template needs a marker for them: a number attached to
a letter, a dot, a colon or a code's hyphen is an identifier (hour type ``T1.5``, version
``2.4.1``, address ``127.0.0.1:2131``, Avantage batch ``TS-000123``, project ``24-101``), and
the world's bare identifiers (employee numbers 1001…, database ids, the port) have at most four
digits; its server version has three parts, since a two-part one (7.40) reads as a decimal.
So a figure printed without the helpers of ``portal/formatting.py`` fails here, while a code
never gets a thousands separator.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from html.parser import HTMLParser

import pytest

from portal.blueprints import company_sync
from portal.blueprints.project_admin import integration as project_integration
from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExpenseKind,
    ExpenseLine,
    ExpenseType,
    ExportBatch,
    LinkMethod,
    RecordLink,
    RemoteRecord,
    RunStatus,
    Supplier,
    SyncRun,
    SyncSection,
    TimesheetStatus,
)
from portal.models.base import utcnow
from portal.services.sync.activities import activity_key
from tests.authz_table import (
    ALLOWED,
    CASES,
    INTEGRATION,
    PROJECT_INTEGRATION,
    ROLES,
    WEEKS,
    World,
    get,
)
from tests.integrations import conftest as integration_fixtures

LOCALES = ("fr_CA", "en_CA")

#: The Avantage integration screens' fixtures: a signed-in Superadmin, an integration, points.
superadmin, integration, add_point = (
    integration_fixtures.superadmin,
    integration_fixtures.integration,
    integration_fixtures.add_point,
)

#: What is rendered: every GET case, every section's tab, and the export's Aperçu (a check
#: that writes nothing).
PAGES = [
    *(case for case in CASES if case.method == "GET"),
    *(
        get("company_sync.section", "superadmin", f"{INTEGRATION}/synchro/{slug}", variant=slug)
        for slug in company_sync.SECTIONS
    ),
    *(
        get("project_admin.sync_section", "superadmin", f"{PROJECT_INTEGRATION}/{slug}")
        for slug in project_integration.SECTIONS
    ),
    *(case for case in CASES if case.endpoint == "timesheets.export_preview"),
]

#: Elements whose content is not prose: code samples, scripts, form values.
SKIPPED = frozenset({"script", "style", "code", "kbd", "pre", "samp", "textarea"})

#: A number glued to a letter, a dot, a colon or a code's hyphen is part of an identifier.
_FREE = r"(?<![\w.:])(?<!\w-)"
_END = r"(?![\w.:]|-\w)"
DECIMAL_POINT = re.compile(_FREE + r"\d+\.\d+" + _END)
DECIMAL_COMMA = re.compile(_FREE + r"\d+,\d{1,2}(?![\d,])")
LONG_NUMBER = re.compile(_FREE + r"\d{5,}" + _END)
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?!\d)")
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*")


class _VisibleText(HTMLParser):
    """The text a reader sees: data outside the skipped elements (attributes are never data)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self._skipping += tag in SKIPPED

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in SKIPPED and self._skipping > 0

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return URL.sub(" ", "\n".join(parser.chunks))


#: Words of French text that English never uses and that the world's data does not hold: on an
#: English page they are a message that was not translated (or not wrapped in ``_()``).
FRENCH_WORDS = re.compile(
    r"(?i)(?<![\w'’-])(?:(?:le|les|des|du|une|est|sont|pour|avec|aucun|aucune|cette|votre"
    r"|vos|dans|été|être)(?![\w'’-])|(?:l|d|n|qu)['’](?=\w))"
)


def untranslated_problems(text: str) -> list[str]:
    """Each French word of an English page's ``text``, with its context."""
    return [
        "French on an English page: …{}…".format(
            " ".join(text[m.start() - 40 : m.end() + 40].split())
        )
        for m in FRENCH_WORDS.finditer(f"{' ' * 40}{text}")
    ]


def format_problems(text: str, locale: str) -> list[str]:
    """Each number of ``text`` not written as ``locale`` writes it, with its context."""
    checks = [(LONG_NUMBER, "no thousands separator"), (ISO_DATE, "ISO date")]
    if locale.startswith("fr"):
        checks.append((DECIMAL_POINT, "decimal point in French"))
    else:
        checks.append((DECIMAL_COMMA, "decimal comma in English"))
    return [
        f"{why}: …{' '.join(text[max(0, m.start() - 40) : m.end() + 20].split())}…"
        for pattern, why in checks
        for m in pattern.finditer(text)
    ]


@pytest.mark.parametrize(
    ("text", "locale", "found"),
    [
        ("durée 0.0 s", "fr_CA", 1),
        ("25.08 $/h · KM 29.00", "fr_CA", 2),
        ("20000 / 20000", "en_CA", 2),
        ("Semaine du 2026-11-23", "fr_CA", 1),
        ("8,00 h", "en_CA", 1),
        ("20\u00a0000 · 8,00\u00a0h · 17,50\u00a0$ · T1.5 · 24-101 · lot TS-000123", "fr_CA", 0),
        ("20,000 · 8.00 h · $17.50 · version 2.4.1 · 127.0.0.1:54321 · 1,234", "en_CA", 0),
    ],
)
def test_the_checks_tell_quantities_from_identifiers(text, locale, found):
    assert len(format_problems(text, locale)) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Aucun projet ne correspond à ces filtres.", 1),
        ("Rien n'a changé depuis la dernière synchronisation", 1),
        ("Envoyer les feuilles de l'employé", 2),
        ("No project matches these filters · Tremblay, Josée · Charpentier-menuisier", 0),
    ],
)
def test_the_check_finds_french_left_on_an_english_page(text, found):
    assert len(untranslated_problems(text)) == found


def test_visible_text_skips_code_attributes_and_urls():
    page = (
        '<p title="12345">Voir <a href="/x/20000">tcp://10.0.0.1:54321</a> <code>3.14</code>'
        '<input value="7.5"> <kbd>99999</kbd> <script>var a = 1.5;</script>fin</p>'
    )
    assert " ".join(visible_text(page).split()) == "Voir fin"


def test_every_page_is_rendered(app):
    """A new page (GET route) is covered as soon as the authorization table has its case."""
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert pages - {"static"} <= {case.endpoint for case in PAGES}


class FormatsWorld(World):
    """The authorization table's world, with figures that need separators and decimals."""

    def seed(self) -> None:
        """Make everything now, so each page shows it whatever the order of the requests."""
        for name in ("own_draft", "others_draft", "others_submitted", "others_validated"):
            getattr(self, name)
        for name in ("point", "run", "batch", "remote_trade", "budget", "remote_catalog"):
            getattr(self, name)

    @cached_property
    def work(self) -> dict:
        work = super().work
        work["height"] = self._add(
            ExpenseType(
                company=self.company, code="HAUT", name="Prime de hauteur", kind=ExpenseKind.HOURS
            )
        )
        return work

    def sheet(self, owner, status: TimesheetStatus):
        sheet = self._make_timesheet(
            owner, self.work, status=status, week_start=WEEKS[status], hours="7.25"
        )
        if status != TimesheetStatus.DRAFT:
            sheet.submitted_at = utcnow()
        if status == TimesheetStatus.VALIDATED:
            sheet.reviewed_at, sheet.reviewed_by_id = utcnow(), self.me.id
        work, day = self.work, sheet.week_start + timedelta(days=1)
        for kind, values in (
            ("km", {"quantity": Decimal("1234.5")}),
            ("meal", {"amount": Decimal("1250.75")}),
            ("height", {"hours": Decimal("2.5")}),
        ):
            sheet.expense_lines.append(
                ExpenseLine(
                    work_date=day,
                    project=work["project"],
                    activity=work["formwork"],
                    expense_type=work[kind],
                    **values,
                )
            )
        db.session.commit()
        return sheet

    @cached_property
    def point(self):
        point = super().point
        point.port = 2131  # an identifier: at most four digits in this world
        point.last_test_at, point.last_test_ok = utcnow(), True
        point.last_test_report = {
            "ok": True,
            "steps": [
                {"step": step, "status": "passed", "detail": ""}
                for step in ("resolve", "connect", "greeting", "encryption", "login")
            ],
            "server_version": "2.4.1",
            "encryption": True,
            "company": "Construction Bélanger inc.",
            "company_code": "CONST-BEL",
            "round_trip_ms": 1.8,
            "error": None,
        }
        self.integration.server_version = "2.4.1"
        db.session.commit()
        return point

    @cached_property
    def run(self) -> SyncRun:
        """A finished sync of the Métiers section over 20 480 records, in 12,35 s."""
        now = utcnow()
        return self._add(
            SyncRun(
                company_id=self.company.id,
                integration_id=self.integration.id,
                section=SyncSection.TRADES,
                lock_key=f"{self.integration.id}:trades:-",
                active=False,
                status=RunStatus.SUCCEEDED,
                started_at=now - timedelta(seconds=12.345),
                finished_at=now,
                total=20480,
                done=20480,
                created=12000,
                linked=8000,
                updated=400,
                unchanged=80,
                warnings=0,
            )
        )

    @cached_property
    def batch(self) -> ExportBatch:
        """A batch of 20 480 lines and 12 345,50 h that Avantage accepted."""
        now = utcnow()
        return self._add(
            ExportBatch(
                company_id=self.company.id,
                integration_id=self.integration.id,
                requested_by_id=self.me.id,
                status=BatchStatus.COMMITTED,
                avantage_batch="TS-000123",
                started_at=now - timedelta(seconds=83.5),
                finished_at=now,
                sheet_count=1200,
                line_count=20480,
                hours_total=Decimal("12345.50"),
                lines_sent=20480,
                accepted=20480,
            )
        )

    def _remote(self, entity: SyncSection, key: str, data: dict, scope: str = "") -> None:
        db.session.add(
            RemoteRecord(
                company_id=self.company.id,
                integration_id=self.integration.id,
                entity=entity,
                key=key,
                scope=scope,
                data=data,
            )
        )

    @cached_property
    def remote_trade(self) -> RemoteRecord:
        trade = super().remote_trade
        trade.data = {**trade.data, "rates": {"C": "25.08", "A1": "1254.00"}}
        db.session.commit()
        return trade

    @cached_property
    def remote_catalog(self) -> None:
        """Avantage's hour types (multipliers) and earnings, as the syncs list them."""
        for code, name, multiplier in (
            ("REG", "Régulier", "1.0"),
            ("T1.5", "Temps et demi", "1.5"),
        ):
            self._remote(
                SyncSection.HOUR_TYPES, code, {"code": code, "name": name, "multiplier": multiplier}
            )
        self._remote(
            SyncSection.EARNINGS,
            "KM",
            {"code": "KM", "name": "Kilométrage", "kind": "quantity", "unit": "km", "rate": "0.58"},
        )
        db.session.commit()

    @cached_property
    def budget(self) -> None:
        """The project linked to Avantage's 24-101, with a budget in the thousands."""
        project = self.work["project"]
        db.session.add(
            RecordLink(
                company_id=self.company.id,
                integration_id=self.integration.id,
                entity=SyncSection.PROJECTS,
                remote_key="24-101",
                local_id=project.id,
                method=LinkMethod.MANUAL,
            )
        )
        self._remote(
            SyncSection.PROJECTS,
            "24-101",
            {"name": project.name, "customer": "Famille Tremblay", "status": "active"},
        )
        figures = {
            "budget_hours": "1234.50",
            "budget_amount": "65432.10",
            "committed_amount": "12345.67",
            "actual_hours": "1000.25",
            "actual_amount": "54321.00",
        }
        for code in ("03-100", "99-900"):  # the second has no activity in the portal
            key = activity_key("24-101", code)
            self._remote(SyncSection.BUDGET, key, {"activity": code, **figures}, scope="24-101")
        order = {
            "number": "BC-24001",
            "project": "24-101",
            "supplier": "F1001",
            "date": "2026-11-24",
            "status": "open",
            "total": "23456.78",
            "lines": [
                {"activity": "03-100", "description": "Béton 30 MPa", "amount": "12345.67"},
                {"activity": "99-900", "description": "Armature 15M", "amount": "11111.11"},
            ],
        }
        self._remote(SyncSection.PURCHASE_ORDERS, "BC-24001", order, scope="24-101")
        db.session.add(
            Supplier(
                company_id=self.company.id,
                code="F1001",
                name="Béton Gagnon inc.",
                phone="418-555-0101",
                email="commandes@betongagnon.ca",
            )
        )
        db.session.commit()


@pytest.fixture
def formats_world(request, company):
    return lambda role: FormatsWorld(company, role, request)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_writes_numbers_as_the_locale_does(
    request, client, auth, formats_world, role, locale
):
    world = formats_world(role)
    world.seed()
    if world.actor is not None:
        auth.login(world.actor)
    client.post("/langue", data={"locale": locale})
    problems = []
    for case in PAGES:
        if role not in ALLOWED[case.rule]:
            continue
        for name in case.fixtures:
            request.getfixturevalue(name)
        url, data = case.build(world)
        response = client.open(url, method=case.method, data=data, headers=case.headers)
        assert response.status_code in (200, 204, 286, 302, 303), (case.id, response.status_code)
        # A download is no page: a CSV writes numbers for a spreadsheet (services/export_csv).
        if response.status_code in (200, 286) and response.mimetype == "text/html":
            text = visible_text(response.text)
            problems += [f"{case.id} {url}: {p}" for p in format_problems(text, locale)]
            if locale.startswith("en"):
                problems += [f"{case.id} {url}: {p}" for p in untranslated_problems(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("locale", "round_trip"), [("fr_CA", r"\d+,\d"), ("en_CA", r"\d+\.\d")])
def test_connection_test_writes_the_round_trip_as_the_locale_does(
    client, integration, add_point, simulator, locale, round_trip
):
    """The panel and the toast of Tester: « aller-retour 1,8 ms », "round trip 1.8 ms"."""
    point = add_point(simulator.url, simulator.user, simulator.password, simulator.key)
    client.post("/langue", data={"locale": locale})
    response = client.post(
        f"/parametres/integrations/{integration.id}/points/{point.id}/tester",
        headers={"HX-Request": "true"},
    )
    toast = json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    pattern = re.compile(rf"(aller-retour|round trip) {round_trip} ms")
    assert pattern.search(toast) and pattern.search(visible_text(response.text))


@pytest.mark.parametrize(("locale", "shown"), [("fr_CA", "7,25"), ("en_CA", "7.25")])
def test_line_form_shows_and_takes_hours_as_the_locale_writes_them(
    client, auth, make_user, make_work_data, make_timesheet, locale, shown
):
    """The hours input is text (not type=number): it shows « 7,25 » in French and takes « 9,25 »."""
    employee = auth.login(make_user("employee"))
    sheet = make_timesheet(employee, make_work_data(employee.company), hours="7.25")
    line = sheet.hour_lines[0]
    client.post("/langue", data={"locale": locale})
    url = f"/feuilles-de-temps/{sheet.id}/heures/{line.id}"
    form = client.get(f"{url}/modifier").text
    hours = re.search(r'<input [^>]*name="hour-\d+-hours"[^>]*>', form).group(0)
    assert f'value="{shown}"' in hours and 'type="text"' in hours
    fields = dict(re.findall(r'name="(hour-\d+-[a-z_]+)"[^>]*value="([^"]*)"', form))
    fields.update(
        {
            f"hour-{line.id}-work_date": line.work_date.isoformat(),
            f"hour-{line.id}-project_id": str(line.project_id),
            f"hour-{line.id}-activity_id": str(line.activity_id),
            f"hour-{line.id}-trade_id": str(line.trade_id),
            f"hour-{line.id}-hour_type_id": "",
            f"hour-{line.id}-hours": shown.replace("7", "9"),
        }
    )
    assert client.post(url, data=fields).status_code in (200, 303)
    db.session.expire_all()
    assert line.hours == Decimal("9.25")


def test_identifiers_in_messages_get_no_thousands_separator(client, integration, add_point):
    """A port passed to a message as text stays « 54321 », not « 54 321 » like a quantity."""
    add_point("127.0.0.1:54321")
    client.post("/langue", data={"locale": "fr_CA"})
    guide = visible_text(client.get(f"/parametres/integrations/{integration.id}/guide").text)
    assert "le port TCP 54321 (2131 par défaut)" in " ".join(guide.split())
