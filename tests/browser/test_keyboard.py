"""Keyboard only: where the focus lands after an action, mapping selects that save when the
choice is committed, toasts that stay until closed, and employee pickers searched by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import jobs
from portal.extensions import db
from portal.models import ExpenseKind, ExpenseType, RecordLink, SyncSection
from portal.services import integrations
from tests.browser.conftest import settled
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import work


def press(locator, key: str) -> None:
    """Reach ``locator`` and press ``key`` on it, as a keyboard user does."""
    locator.focus()
    locator.press(key)


def add_dead_point(admin, integration):
    """A second access point nobody listens on: its test fails at once (connection refused)."""
    point = integrations.save_access_point(
        admin.company_id,
        admin,
        integration,
        integrations.AccessPointData(
            url="tcp://127.0.0.1:9", username="portail", password="x" * 12
        ),
        allow_private=True,
    )
    db.session.commit()
    return point


@pytest.fixture
def admin(make_user):
    return make_user("superadmin", first_name="Patrick", last_name="Lavoie")


def test_focus_lands_on_the_test_result_and_back_on_the_button_that_opened_a_form(
    page, live_server, admin, sign_in, simulator
):
    integration = connect_avantage(admin, simulator)
    sign_in(admin)
    page.goto(f"{live_server}/parametres/integrations/{integration.id}")

    press(page.get_by_role("button", name=re.compile("^Tester")), "Enter")
    panel = page.get_by_role("region", name="Diagnostic de la connexion")
    expect(panel).to_be_focused()
    expect(panel).to_contain_text("Connexion réussie")
    settled(page.locator("#access-points"))

    press(page.get_by_role("button", name=re.compile("^Modifier tcp")), "Enter")
    expect(page.get_by_label("URL du serveur MainTCP")).to_be_focused()  # the form's first field
    settled(page.locator("#access-points"))
    press(page.get_by_role("button", name="Annuler"), "Enter")
    expect(page.get_by_role("button", name=re.compile("^Modifier tcp"))).to_be_focused()


def test_focus_stays_on_the_row_re_rendered(page, live_server, admin, sign_in, make_work_data):
    trade = make_work_data(admin.company)["trade"]  # CHARP — Charpentier-menuisier
    row = page.locator(f"#entry-{trade.id}")
    sign_in(admin)
    page.goto(f"{live_server}/parametres/metiers")

    press(page.get_by_role("button", name="Modifier CHARP — Charpentier-menuisier"), "Enter")
    code = row.get_by_label("Code")
    expect(code).to_be_focused()  # the edited row's first field
    settled(row)
    name = row.get_by_label("Nom")
    name.fill("Charpentier")
    name.press("Enter")
    expect(
        page.get_by_role("button", name="Modifier CHARP — Charpentier", exact=True)
    ).to_be_focused()
    settled(row)

    press(page.get_by_role("button", name="Modifier CHARP — Charpentier", exact=True), "Enter")
    cancel = row.get_by_role("button", name="Annuler")
    expect(cancel).to_be_visible()
    settled(row)
    press(cancel, "Enter")
    expect(
        page.get_by_role("button", name="Modifier CHARP — Charpentier", exact=True)
    ).to_be_focused()


def test_a_deactivated_employee_s_row_keeps_the_focus_on_its_new_button(
    page, live_server, admin, sign_in, make_user
):
    make_user("employee", first_name="Josée", last_name="Tremblay")
    sign_in(admin)
    page.goto(f"{live_server}/parametres/licences")
    page.once("dialog", lambda dialog: dialog.accept())
    press(page.get_by_role("button", name="Désactiver Josée Tremblay"), "Enter")
    expect(page.get_by_role("button", name="Réactiver Josée Tremblay")).to_be_focused()


@pytest.fixture
def earnings_grid(admin, rq, make_simulator):
    """The Dépenses et primes grid after a sync: REPAS mapped by code, KM waiting."""
    meal = ExpenseType(
        company_id=admin.company_id, code="REPAS", name="Repas", kind=ExpenseKind.AMOUNT
    )
    km = ExpenseType(
        company_id=admin.company_id,
        code="KMS",
        name="Kilomètres",
        kind=ExpenseKind.QUANTITY,
        unit="km",
    )
    db.session.add_all([meal, km])
    db.session.commit()
    integration = connect_avantage(admin, make_simulator(employees=5))
    jobs.start_sync(integration, SyncSection.EARNINGS, admin)
    work()
    return {"integration": integration, "meal": meal, "km": km}


def _km_link():
    db.session.expire_all()
    return db.session.scalar(
        db.select(RecordLink.local_id).where(
            RecordLink.remote_key == "KM", RecordLink.local_id.isnot(None)
        )
    )


def test_a_mapping_select_saves_the_committed_choice_not_each_arrow_key(
    page, live_server, admin, sign_in, earnings_grid
):
    posted: list[str] = []
    page.on(
        "request",
        lambda request: (
            posted.append(request.post_data or "") if request.url.endswith("/liens") else None
        ),
    )
    sign_in(admin)
    page.goto(
        f"{live_server}/parametres/integrations/{earnings_grid['integration'].id}/synchro/depenses-primes"
    )
    select = page.get_by_label("Type du portail pour KM")
    km = str(earnings_grid["km"].id)
    before = select.input_value()
    select.focus()
    for _step in range(4):  # through the options, as a screen-reader user listens to them
        select.press("ArrowDown")
        if select.input_value() == km:
            break
    assert select.input_value() == km != before  # the arrows did change the value…
    select.press("Escape")
    expect(select).to_have_value(before)  # …Escape puts the saved one back…
    for _step in range(4):
        select.press("ArrowDown")
        if select.input_value() == km:
            break
    with page.expect_response(lambda response: response.url.endswith("/liens")):
        select.press("Enter")  # …and Enter saves the choice, once
    row = page.locator("#mapping-KM")
    expect(row).to_contain_text("Lien enregistré")
    expect(page.get_by_label("Type du portail pour KM")).to_be_focused()
    assert len(posted) == 1 and f"local_id={km}" in posted[0], posted
    assert _km_link() == earnings_grid["km"].id


def test_a_refused_mapping_keeps_the_previous_value_and_the_focus(
    page, live_server, admin, sign_in, earnings_grid
):
    sign_in(admin)
    page.goto(
        f"{live_server}/parametres/integrations/{earnings_grid['integration'].id}/synchro/depenses-primes"
    )
    select = page.get_by_label("Type du portail pour KM")
    before = select.input_value()
    meal = str(earnings_grid["meal"].id)
    select.focus()
    for _step in range(4):
        select.press("ArrowDown")
        if select.input_value() == meal:
            break
    assert select.input_value() == meal
    page.keyboard.press("Tab")  # leaving the select commits the choice
    row = page.locator("#mapping-KM")
    expect(row.get_by_role("alert")).to_contain_text("de nature « Montant »")
    select = page.get_by_label("Type du portail pour KM")
    expect(select).to_be_focused()  # back on the refused select, which reads the reason
    expect(select).to_have_value(before)
    expect(select).to_have_attribute("aria-invalid", "true")
    assert _km_link() is None


def test_an_error_toast_stays_until_closed_by_keyboard(
    page, live_server, admin, sign_in, simulator, app
):
    app.config["AVANTAGE_TEST_TIMEOUT"] = 2.0
    integration = connect_avantage(admin, simulator)
    add_dead_point(admin, integration)
    sign_in(admin)
    page.clock.install()
    page.goto(f"{live_server}/parametres/integrations/{integration.id}")
    assert page.locator("#toasts-alert[aria-live=assertive]").count() == 1  # there from the start
    assert page.locator("#toasts-status[aria-live=polite]").count() == 1

    press(
        page.locator("tr", has_text=str(simulator.port)).get_by_role(
            "button", name=re.compile("^Tester")
        ),
        "Enter",
    )
    success = page.locator("#toasts-status .toast")
    expect(success).to_contain_text("Connexion réussie")
    settled(page.locator("#access-points"))
    press(
        page.locator("tr", has_text="127.0.0.1:9").get_by_role(
            "button", name=re.compile("^Tester")
        ),
        "Enter",
    )
    error = page.locator("#toasts-alert .toast")
    expect(error).to_have_count(1)
    settled(page.locator("#access-points"))

    page.clock.fast_forward("01:00")  # a minute later
    expect(success).to_have_count(0)  # a success goes away by itself…
    expect(error).to_have_count(1)  # …an error stays

    close = page.locator("#toasts-alert").get_by_role("button", name="Fermer le message")
    press(close, "Enter")
    expect(error).to_have_count(0)
    expect(page.get_by_role("region", name="Diagnostic de la connexion").last).to_be_focused()


def test_an_employee_picker_is_searched_by_keyboard(page, live_server, make_user, sign_in):
    validator = make_user("validator", first_name="Valérie", last_name="Roy")
    for n in range(30):
        make_user("employee", first_name=f"Prénom{n:02d}", last_name="Bouchard")
    make_user("employee", first_name="Josée", last_name="Tremblay", employee_number="0042")
    wanted = make_user("employee", first_name="Josée", last_name="Tremblay", employee_number="0107")
    sign_in(validator)
    page.goto(f"{live_server}/feuilles-de-temps/")
    week_picker = page.get_by_role("form", name="Ouvrir une semaine")
    search = week_picker.get_by_label("Rechercher un employé par nom ou numéro")
    select = week_picker.get_by_label("Employé", exact=True)
    # Before a search: the placeholder, the person chosen (self), the first 20 by name.
    expect(select.locator("option")).to_have_count(22)
    expect(week_picker.get_by_role("status")).to_have_text(
        "Les 20 premiers employés par nom : cherchez un nom ou un numéro pour les autres."
    )

    search.focus()
    page.keyboard.type("josee trem")
    expect(select.locator("option")).to_have_text(
        [
            "— Choisir un employé —",
            "Roy, Valérie (1001)",
            "Tremblay, Josée (0042)",
            "Tremblay, Josée (0107)",
        ]
    )  # the one chosen already stays, and the homonyms differ by their number
    expect(week_picker.get_by_role("status")).to_have_text("2 employés trouvés.")
    page.keyboard.press("Enter")  # to the narrowed list, without submitting
    expect(select).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value(str(wanted.id))
    press(week_picker.get_by_role("button", name="Ouvrir la semaine"), "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Josée Tremblay")
    assert f"/employes/{wanted.id}/" in page.url


def test_a_timesheet_line_row_keeps_the_focus_through_edit_save_and_cancel(
    page, live_server, make_user, sign_in, make_work_data, make_timesheet
):
    employee = make_user("employee", first_name="Émile", last_name="Gagnon")
    sheet = make_timesheet(employee, make_work_data(employee.company))
    line = sheet.hour_lines[0]
    row = page.locator(f"#hour-{line.id}")
    sign_in(employee)
    page.goto(f"{live_server}/feuilles-de-temps/{sheet.id}")

    press(row.get_by_role("link", name=re.compile("^Modifier la ligne du ")), "Enter")
    expect(row.get_by_label("Date")).to_be_focused()  # the row's first field
    settled(row)
    hours = row.get_by_label("Heures", exact=True)
    hours.fill("7,5")
    hours.press("Enter")
    edit = row.get_by_role("link", name=re.compile("^Modifier la ligne du .*7,50"))
    expect(edit).to_be_focused()
    settled(row)
    press(edit, "Enter")
    cancel = row.get_by_role("link", name="Annuler")
    expect(cancel).to_be_visible()
    settled(row)
    press(cancel, "Enter")
    expect(row.get_by_role("link", name=re.compile("^Modifier la ligne du "))).to_be_focused()


def test_a_filter_select_filters_on_the_committed_choice_not_each_arrow_key(
    page, live_server, make_user, sign_in
):
    """Arrowing through Statut reads each option and reloads nothing; Enter, or leaving the
    select on another value, filters once; coming back to « Tous » filters again."""
    validator = make_user("validator", first_name="Valérie", last_name="Roy")
    sign_in(validator)
    page.goto(f"{live_server}/feuilles-de-temps/")
    lists: list[str] = []
    page.on(
        "request",
        lambda request: (
            lists.append(request.url) if "/feuilles-de-temps/?" in request.url else None
        ),
    )
    status = page.get_by_label("Statut")
    status.focus()
    status.press("ArrowDown")
    status.press("ArrowDown")
    chosen = status.input_value()
    assert chosen != ""
    with page.expect_response(lambda response: "/feuilles-de-temps/?" in response.url):
        status.press("Enter")
    # An arrow's reload would have left before Enter's: the only one is the choice's.
    assert len(lists) == 1 and f"statut={chosen}" in lists[0], lists
    expect(status).to_be_focused()

    status.press("Home")  # back to « Tous les statuts »…
    with page.expect_response(lambda response: "/feuilles-de-temps/?" in response.url):
        status.press("Tab")  # …committed by leaving the select
    assert len(lists) == 2 and "statut=&" in lists[1] + "&"
