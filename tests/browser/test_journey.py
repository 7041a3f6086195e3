"""The help article's journey, from a blank company to a week in Avantage's Timesheet management,
as a new customer follows it: only what the pages show (labels, buttons, links), never an id
typed into a URL. A screenshot of every step goes to test-results/journey/<variant>/ (printed
at the end of the run); any 5xx the browser sees, or any error logged by the app or the worker,
fails the test.

Three simulators: encryption on, off, and a data set whose employee numbers and codes carry
stray spaces, leading zeros and case differences (the lines sent carry Avantage's own codes).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.services import onboarding
from tests.browser import journey_payroll as payroll
from tests.browser import journey_steps as steps
from tests.fixtures.export_world import entries
from tests.fixtures.factories import PASSWORD

#: Not under test-results/: pytest-playwright empties that folder when a session starts.
SHOTS = Path(__file__).resolve().parents[2] / "build" / "journey"
HOURS = ["8", "7.5"]


def odd_codes(dataset) -> None:
    """Re-key the records the journey uses as an office would have typed them in Avantage."""

    def rekey(entity: str, key, **changes) -> None:
        record = dataset.get(entity, key)
        dataset.remove(entity, key)
        dataset.add(entity, {**record, **changes})

    trades = {record["code"]: f" {record['code'].lower()}" for record in dataset.tables["trades"]}
    for code, odd in trades.items():
        rekey("trades", code, code=odd)
    for record in list(dataset.tables["employees"]):
        changes = {"trade": trades[record["trade"]]}
        if record["number"] in ODD_NUMBERS:
            changes["number"] = ODD_NUMBERS[record["number"]]
        rekey("employees", record["number"], **changes)
    rekey("hour_types", "REG", code="reg ")
    rekey("earnings", "KM", code=" Km")
    rekey("projects", "24-101", id=" 24-101")
    for record in [r for r in dataset.tables["activities"] if r["project"] == "24-101"]:
        rekey(
            "activities", ("24-101", record["code"]), project=" 24-101", code=f"{record['code']} "
        )
    for record in [r for r in dataset.tables["budget"] if r["project"] == "24-101"]:
        rekey("budget", ("24-101", record["activity"]), project=" 24-101")
    for record in [r for r in dataset.tables["purchase_orders"] if r["project"] == "24-101"]:
        rekey("purchase_orders", record["number"], project=" 24-101")


#: The journey's employee and validator, as Avantage keys them in the odd data set.
ODD_NUMBERS = {"1002": "01002 ", "1003": " 1003"}

VARIANTS = {
    "chiffrement": {},
    "sans-chiffrement": {"key": None},
    "codes-irreguliers": {},
}


class _Errors(logging.Handler):
    """Keeps every record at ERROR or above, and every one carrying a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.found.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """What the app, the web server and the RQ worker logged as an error during the test."""
    handler = _Errors()
    loggers = [logging.getLogger(name) for name in ("", "rq.worker", "werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.found
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def failed_responses(page) -> list[str]:
    """Every 5xx the browser received."""
    found: list[str] = []
    page.on(
        "response",
        lambda response: (
            found.append(f"{response.status} {response.url}") if response.status >= 500 else None
        ),
    )
    return found


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_help_article_from_a_blank_company(
    variant, page, live_server, sign_in, make_simulator, rq, server_errors, failed_responses
):
    simulator = make_simulator(**VARIANTS[variant])
    numbers = {"1002": "1002", "1003": "1003"}
    codes = {"REG": "REG", "KM": "KM", "project": "24-101", "activity": "03-100"}
    if variant == "codes-irreguliers":
        odd_codes(simulator.server.dataset)
        numbers = ODD_NUMBERS
        codes = {"REG": "reg ", "KM": " Km", "project": " 24-101", "activity": "03-100 "}
    employee = simulator.server.dataset.get("employees", numbers["1002"])
    validator = simulator.server.dataset.get("employees", numbers["1003"])
    _, admin = onboarding.create_company(
        "Construction Bélanger inc.",
        "patron@constructionbelanger.ca",
        "Patrick",
        "Lavoie",
        PASSWORD,
    )
    db.session.commit()
    folder = SHOTS / variant
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    steps.SHOT_FOLDERS.append(folder)
    journey = steps.Journey(page, live_server, folder)

    sign_in(admin)
    journey.shot("connexion-superadmin")
    steps.add_integration(journey, simulator)
    steps.synchronise_sections(journey)
    steps.add_portal_types(journey)
    steps.map_types(journey, codes)
    steps.suppliers_orders_schedule(journey)
    payroll.link_project(journey, "24-101", "Résidence au bord du fleuve", codes["project"])
    payroll.give_access(journey, employee["email"], employee["number"], "Limitée")
    payroll.give_access(journey, validator["email"], validator["number"], "Étendue")
    journey.sign_out()

    employee_name = f"{employee['first_name']} {employee['last_name']}"
    sign_in(SimpleNamespace(email=employee["email"]))
    payroll.fill_week(journey, "24-101", "Coffrage", HOURS)
    journey.sign_out()
    sign_in(SimpleNamespace(email=validator["email"]))
    payroll.validate_week(journey, employee_name)
    journey.sign_out()
    sign_in(admin)
    batch = payroll.send_to_payroll(journey, employee_name, len(HOURS))

    posted = entries(simulator)
    sent = sorted((e["employee"], e["project"], e["activity"], e["hours"]) for e in posted)
    assert sent == sorted(
        (numbers["1002"], codes["project"], codes["activity"], f"{Decimal(h):.2f}") for h in HOURS
    )
    assert {e["hour_type"] for e in posted} == {codes["REG"]}
    payroll.history_shows(
        journey,
        [
            "Projets",
            "Employés",
            "Métiers",
            "Type d'heures",
            "Dépenses et primes",
            "Fournisseurs",
            "Bons de commande",
            "Activités",
        ],
        batch,
    )
    payroll.audit_shows(
        journey,
        [
            "integration.create",
            "access_point.test",
            "sync.start",
            "link.create",
            "schedule.change",
            "timesheet.validate",
            "export.create",
            "export.committed",
            "timesheet.freeze",
        ],
    )
    assert failed_responses == []
    assert server_errors == []
