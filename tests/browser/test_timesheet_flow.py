"""The timesheet journey in a real browser: an employee fills and submits a week, a validator
validates it; a rejected week comes back to its employee with the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Timesheet, TimesheetStatus
from portal.services.timesheets import week_start_of
from tests.browser.conftest import follow

PROJECT = "24-101 — Résidence Tremblay — Lévis"
ACTIVITY = "03-100 — Coffrage"
REASON = "Il manque les heures de mardi au chantier de Lévis."


@pytest.fixture
def crew(company, make_user, make_work_data) -> dict:
    work = make_work_data(company)
    return {
        "work": work,
        "employee": make_user(
            "employee", first_name="Émile", last_name="Gagnon", default_trade=work["trade"]
        ),
        "validator": make_user("validator", first_name="Valérie", last_name="Roy"),
    }


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What the browser refused under the Content Security Policy during the test."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def sign_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def stored_status(employee) -> TimesheetStatus:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Timesheet.status).where(Timesheet.employee_id == employee.id)
    )


def open_first_waiting_sheet(page) -> None:
    """From the list: the sheets waiting for validation, then the first one."""
    page.locator("#show-waiting").click()
    follow(page, page.locator("#sheet-list").get_by_role("link", name="Ouvrir").first)


def test_employee_fills_and_submits_a_week_then_a_validator_validates_it(
    page, sign_in, crew, csp_violations
):
    employee, validator = crew["employee"], crew["validator"]
    sign_in(employee)
    follow(page, page.locator("#my-week"))  # the Projet select loads activities through htmx
    expect(page.locator("#sheet-status-badge")).to_have_text("Brouillon")

    form = page.locator("#hour-new-form")
    form.get_by_label("Projet").select_option(label=PROJECT)
    expect(form.get_by_label("Activité").locator("option")).to_have_count(3)
    form.get_by_label("Activité").select_option(label=ACTIVITY)
    form.get_by_label("Heures", exact=True).fill("8")
    form.get_by_role("button", name="Ajouter les heures").click()
    expect(page.locator("#week-total")).to_have_text("8,00\u00a0h")
    expect(page.locator("#hour-lines")).to_contain_text("Coffrage")

    page.locator("#submit-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Soumise")
    assert stored_status(employee) == TimesheetStatus.SUBMITTED
    sign_out(page)

    sign_in(validator)
    open_first_waiting_sheet(page)
    expect(page.locator("#sheet-title")).to_have_text("Émile Gagnon")
    page.locator("#validate-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Validée")
    expect(page.locator("#validated-by")).to_contain_text("Valérie Roy")
    assert stored_status(employee) == TimesheetStatus.VALIDATED
    assert csp_violations == []


def test_a_rejected_week_comes_back_to_its_employee_with_the_reason(
    page, sign_in, crew, make_timesheet, csp_violations
):
    employee = crew["employee"]
    last_week = week_start_of(date.today()) - timedelta(days=7)
    make_timesheet(employee, crew["work"], status=TimesheetStatus.SUBMITTED, week_start=last_week)

    sign_in(crew["validator"])
    open_first_waiting_sheet(page)
    page.locator("#reject-toggle").click()
    page.locator("#reason").fill(REASON)
    page.locator("#reject-sheet").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Rejetée")
    sign_out(page)

    sign_in(employee)
    follow(page, page.locator("#sheet-list").get_by_role("link", name="Ouvrir").first)
    expect(page.locator("#rejection-reason")).to_contain_text(REASON)
    expect(page.locator("#submit-sheet")).to_be_visible()  # corrected, it can go again
    assert stored_status(employee) == TimesheetStatus.REJECTED
    assert csp_violations == []
