"""Hour and expense lines: every field's validation, in-place edits, totals, dependent selects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Activity,
    ExpenseKind,
    ExpenseLine,
    ExpenseType,
    HourLine,
    Project,
    ProjectStatus,
    Timesheet,
    TimesheetStatus,
    Trade,
)
from tests.timesheets.helpers import WEEK, hx, reload, toast, week_url


@pytest.fixture
def foreign(make_company, make_work_data) -> dict:
    """The same kind of data, in another company."""
    return make_work_data(make_company("Autre compagnie"))


@pytest.fixture
def extra(company, work) -> dict:
    """A closed project, a second project, an inactive activity and a bonus paid in hours."""
    closed = Project(
        company=company, number="23-900", name="Garage Caron", status=ProjectStatus.CLOSED
    )
    other = Project(company=company, number="24-202", name="Chalet Poulin")
    roofing = Activity(company=company, project=other, code="07-300", name="Toiture")
    old = Activity(
        company=company, project=work["project"], code="09-9", name="Vieux", active=False
    )
    closed_work = Activity(company=company, project=closed, code="01-1", name="Fermée")
    premium = ExpenseType(company=company, code="PRIME", name="Prime", kind=ExpenseKind.HOURS)
    idle = Trade(company=company, code="OLD", name="Ancien", active=False)
    db.session.add_all([closed, other, roofing, old, closed_work, premium, idle])
    db.session.commit()
    return dict(
        closed=closed,
        other=other,
        roofing=roofing,
        old=old,
        closed_work=closed_work,
        premium=premium,
        idle=idle,
    )


def hour_form(work: dict, prefix: str = "hour-new", **changes) -> dict:
    """A valid hour line form (Tuesday, 7,5 h, regular type), with ``changes``."""
    values = {
        "work_date": "2026-11-24",
        "project_id": work["project"].id,
        "activity_id": work["formwork"].id,
        "trade_id": work["trade"].id,
        "hour_type_id": "",
        "hours": "7,5",
    }
    values.update(changes)
    return {f"{prefix}-{name}": value for name, value in values.items()}


def expense_form(work: dict, prefix: str = "expense-new", **changes) -> dict:
    values = {
        "work_date": "2026-11-24",
        "project_id": work["project"].id,
        "activity_id": work["formwork"].id,
        "expense_type_id": work["km"].id,
        "value": "42",
    }
    values.update(changes)
    return {f"{prefix}-{name}": value for name, value in values.items()}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


@pytest.fixture
def owner_in(auth, owner):
    return auth.login(owner)


def post_hours(client, owner, data):
    return client.post(f"{week_url(owner)}/heures", data=data, headers=hx("hour-lines"))


def test_first_line_creates_the_sheet_and_redraws_it(client, owner_in, work):
    response = post_hours(client, owner_in, hour_form(work))
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#sheet"  # the status region gains its buttons
    assert toast(response) == {"level": "success", "message": "Ligne ajoutée."}
    assert 'id="submit-sheet"' in response.text
    sheet = db.session.scalar(db.select(Timesheet))
    (line,) = sheet.hour_lines
    assert (sheet.employee_id, sheet.week_start, sheet.status) == (
        owner_in.id,
        WEEK,
        TimesheetStatus.DRAFT,
    )
    assert (line.hours, line.hour_type_id, line.trade_id) == (
        Decimal("7.50"),
        None,
        work["trade"].id,
    )
    assert f'<tr id="hour-{line.id}">' in response.text
    assert "Régulier (par défaut)" in response.text


@pytest.mark.parametrize("typed", ["7,5", "7.5", " 7,50 ", "7,5\u00a0"])
def test_hours_accept_comma_or_point(client, owner_in, work, typed):
    post_hours(client, owner_in, hour_form(work, hours=typed))
    assert db.session.scalar(db.select(HourLine.hours)) == Decimal("7.50")


#: field, typed value (or a callable of the fixtures), message shown under the field.
HOUR_ERRORS = [
    (
        "work_date",
        "2026-11-30",
        "La date doit être dans la semaine du 23 novembre au 29 novembre 2026.",
    ),
    (
        "work_date",
        "2026-11-22",
        "La date doit être dans la semaine du 23 novembre au 29 novembre 2026.",
    ),
    ("work_date", "", "Choisissez une date."),
    ("work_date", "abc", "Choisissez une date."),
    ("work_date", "x" * 10_000, "Choisissez une date."),
    ("project_id", "", "Choisissez un projet de la liste."),
    ("project_id", "abc", "Choisissez un projet de la liste."),
    ("project_id", "9" * 10_000, "Choisissez un projet de la liste."),
    ("project_id", lambda w, f, e: f["project"].id, "Choisissez un projet de la liste."),
    ("project_id", lambda w, f, e: e["closed"].id, "Le projet 23-900 est fermé"),
    ("activity_id", "", "Choisissez une activité de ce projet."),
    ("activity_id", lambda w, f, e: e["roofing"].id, "Choisissez une activité de ce projet."),
    ("activity_id", lambda w, f, e: f["formwork"].id, "Choisissez une activité de ce projet."),
    ("activity_id", lambda w, f, e: e["old"].id, "L&#39;activité 09-9 n&#39;est plus active."),
    ("activity_id", "9" * 10_000, "Choisissez une activité de ce projet."),
    ("trade_id", "", "Choisissez un métier de la liste."),
    ("trade_id", "x" * 10_000, "Choisissez un métier de la liste."),
    ("hour_type_id", "1" * 10_000, "Choisissez un type d&#39;heures de la liste, ou laissez vide."),
    ("trade_id", lambda w, f, e: f["trade"].id, "Choisissez un métier de la liste."),
    ("trade_id", lambda w, f, e: e["idle"].id, "Choisissez un métier de la liste."),
    ("hour_type_id", lambda w, f, e: f["overtime"].id, "Choisissez un type d&#39;heures"),
    ("hour_type_id", "abc", "Choisissez un type d&#39;heures de la liste, ou laissez vide."),
    ("hours", "", "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("hours", "abc", "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("hours", "1" * 10_000, "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("hours", "NaN", "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("hours", "Infinity", "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("hours", "0", "Les heures doivent être plus que 0 et au plus 24."),
    ("hours", "-2", "Les heures doivent être plus que 0 et au plus 24."),
    ("hours", "24,01", "Les heures doivent être plus que 0 et au plus 24."),
    ("hours", "1e9", "Les heures doivent être plus que 0 et au plus 24."),
    ("hours", "7,125", "Au plus deux décimales."),
]


@pytest.mark.parametrize(("field", "typed", "message"), HOUR_ERRORS)
def test_bad_hour_line_is_reported_inline_and_nothing_is_saved(
    client, owner_in, work, foreign, extra, field, typed, message
):
    value = typed(work, foreign, extra) if callable(typed) else typed
    response = post_hours(client, owner_in, hour_form(work, **{field: value}))
    assert response.status_code == 200
    assert "HX-Retarget" not in response.headers  # the add form is redrawn where it is
    error = f'<small class="error" id="hour-new-{field}-error">{message}'
    assert error in response.text
    assert f'aria-describedby="hour-new-{field}-error" aria-invalid="true"' in response.text
    assert (count(Timesheet), count(HourLine)) == (0, 0)


def test_a_day_cannot_go_over_24_hours(client, owner_in, work, make_timesheet):
    sheet = make_timesheet(owner_in, work, hours="20")  # Monday
    response = post_hours(client, owner_in, hour_form(work, work_date="2026-11-23", hours="4,5"))
    assert "la journée dépasserait 24 heures (déjà 20 h)" in response.text
    assert [line.hours for line in reload(sheet).hour_lines] == [Decimal("20.00")]
    response = post_hours(client, owner_in, hour_form(work, work_date="2026-11-23", hours="4"))
    assert [line.hours for line in reload(sheet).hour_lines] == [Decimal("20.00"), Decimal("4")]


def test_totals_per_day_and_for_the_week(client, owner_in, work):
    for day, hours in [("2026-11-23", "8"), ("2026-11-23", "2,5"), ("2026-11-24", "7")]:
        response = post_hours(client, owner_in, hour_form(work, work_date=day, hours=hours))
    assert 'id="day-total-2026-11-23">10,50\u00a0h<' in response.text
    assert 'id="day-total-2026-11-24">7,00\u00a0h<' in response.text
    assert 'id="day-total-2026-11-25">0,00\u00a0h<' in response.text
    assert 'id="week-total">17,50\u00a0h<' in response.text


def test_the_add_form_suggests_the_employee_trade_and_the_regular_type(client, owner_in, work):
    page = client.get(week_url(owner_in)).text
    assert f'<option selected value="{work["trade"].id}">CHARP — Charpentier-menuisier' in page
    assert '<option selected value="">Régulier (type par défaut de la compagnie)</option>' in page
    assert "Laissez vide pour le type régulier (Régulier)." in page


def test_edit_a_line_in_place(client, owner_in, work, make_timesheet):
    sheet = make_timesheet(owner_in, work)
    line = sheet.hour_lines[0]
    url = f"/feuilles-de-temps/{sheet.id}/heures/{line.id}"
    form = client.get(f"{url}/modifier", headers=hx(f"hour-{line.id}")).text
    assert form.lstrip().startswith(f'<tr id="hour-{line.id}" class="editing">')
    assert f'name="hour-{line.id}-hours" type="text" value="8"' in form
    prefix = f"hour-{line.id}"
    bad = client.post(url, data=hour_form(work, prefix, hours="25"), headers=hx(prefix))
    assert bad.status_code == 200
    assert (
        f'id="{prefix}-hours-error">Les heures doivent être plus que 0 et au plus 24.' in bad.text
    )
    assert reload(sheet).hour_lines[0].hours == Decimal("8.00")
    good = client.post(
        url,
        data=hour_form(
            work,
            prefix,
            hours="6",
            activity_id=work["framing"].id,
            hour_type_id=work["overtime"].id,
        ),
        headers=hx(prefix),
    )
    assert good.headers["HX-Retarget"] == "#hour-lines"
    assert "06-100 — Charpente" in good.text and "Temps et demi" in good.text
    assert 'id="week-total">6,00\u00a0h<' in good.text
    stored = reload(sheet).hour_lines[0]
    assert (stored.hours, stored.activity_id, stored.hour_type_id) == (
        Decimal("6.00"),
        work["framing"].id,
        work["overtime"].id,
    )
    cancel = client.get(url, headers=hx(prefix))
    assert f'<tr id="hour-{line.id}">' in cancel.text and ">Modifier<" in cancel.text


def test_delete_a_line_in_place(client, owner_in, work, make_timesheet):
    sheet = make_timesheet(owner_in, work)
    line = sheet.hour_lines[0]
    page = client.get(week_url(owner_in)).text
    assert 'hx-confirm="Supprimer cette ligne d\'heures ?"' in page
    response = client.post(
        f"/feuilles-de-temps/{sheet.id}/heures/{line.id}/supprimer", headers=hx("hour-lines")
    )
    assert response.status_code == 200
    assert toast(response)["message"] == "Ligne supprimée."
    assert (
        f'id="hour-{line.id}"' not in response.text
        and 'id="week-total">0,00\u00a0h<' in response.text
    )
    assert count(HourLine) == 0


def test_without_javascript_forms_post_and_redirect(client, owner_in, work):
    response = client.post(f"{week_url(owner_in)}/heures", data=hour_form(work))
    assert response.status_code == 303 and response.headers["Location"].endswith(week_url(owner_in))
    assert "Ligne ajoutée." in client.get(week_url(owner_in)).text
    response = client.post(f"{week_url(owner_in)}/heures", data=hour_form(work, hours="abc"))
    assert response.status_code == 200 and "<!doctype html>" in response.text
    assert "Entrez un nombre d&#39;heures" in response.text
    line = db.session.scalar(db.select(HourLine))
    edit = client.get(f"/feuilles-de-temps/{line.timesheet_id}/heures/{line.id}/modifier")
    assert (
        "<!doctype html>" in edit.text and f'<tr id="hour-{line.id}" class="editing">' in edit.text
    )
    assert count(HourLine) == 1


def test_lines_of_a_submitted_sheet_cannot_change(client, owner_in, work, make_timesheet):
    sheet = make_timesheet(owner_in, work, status=TimesheetStatus.SUBMITTED)
    response = post_hours(client, owner_in, hour_form(work))
    assert response.status_code == 409
    assert "soumise : elle ne peut plus être modifiée" in toast(response)["message"]
    assert len(reload(sheet).hour_lines) == 1


def test_an_employee_cannot_fill_a_coworker_week(client, owner_in, people, work):
    response = post_hours(client, people["coworker"], hour_form(work))
    assert response.status_code == 403
    assert count(Timesheet) == 0


def test_a_reviewer_fills_an_employee_week(client, auth, people, work):
    auth.login(people["validator"])
    response = post_hours(client, people["owner"], hour_form(work))
    assert response.status_code == 200
    assert db.session.scalar(db.select(Timesheet.employee_id)) == people["owner"].id


def test_an_inactive_employee_gets_no_new_week(client, auth, people, work):
    people["owner"].active = False
    db.session.commit()
    auth.login(people["validator"])
    response = post_hours(client, people["owner"], hour_form(work))
    assert response.status_code == 200
    assert "Cet employé est désactivé : réactivez-le pour lui ouvrir une semaine." in response.text
    assert count(Timesheet) == 0


# --- expense lines -----------------------------------------------------------------------------


def post_expense(client, owner, data):
    return client.post(f"{week_url(owner)}/depenses", data=data, headers=hx("expense-lines"))


@pytest.mark.parametrize(
    ("kind", "typed", "column"),
    [("km", "42,5", "quantity"), ("meal", "12,50", "amount"), ("premium", "2,5", "hours")],
)
def test_expense_value_goes_where_its_kind_says(client, owner_in, work, extra, kind, typed, column):
    expense_type = {**work, **extra}[kind]
    data = expense_form(work, expense_type_id=expense_type.id, value=typed)
    response = post_expense(client, owner_in, data)
    assert response.status_code == 200
    line = db.session.scalar(db.select(ExpenseLine))
    expected = Decimal(typed.replace(",", "."))
    assert {c: getattr(line, c) for c in ("amount", "quantity", "hours")} == {
        c: expected if c == column else None for c in ("amount", "quantity", "hours")
    }
    shown = {"quantity": "42,50\u00a0km", "amount": "12,50\u00a0$", "hours": "2,50\u00a0h à prime"}[
        column
    ]
    assert shown in response.text


EXPENSE_ERRORS = [
    ("km", "expense_type_id", "", "Choisissez une dépense ou une prime de la liste."),
    ("km", "value", "abc", "Entrez une valeur, par exemple 42 ou 12,50."),
    ("km", "value", "", "Entrez une valeur, par exemple 42 ou 12,50."),
    ("km", "value", "9" * 10_000, "Entrez une valeur, par exemple 42 ou 12,50."),
    ("km", "value", "0", "La valeur doit être plus que 0 et au plus 99 999,99."),
    ("km", "value", "100000", "La valeur doit être plus que 0 et au plus 99 999,99."),
    ("km", "value", "1,005", "Au plus deux décimales."),
    ("meal", "value", "-5", "La valeur doit être plus que 0 et au plus 99 999,99."),
    ("meal", "value", "12,345", "Au plus deux décimales."),
    ("premium", "value", "25", "Les heures doivent être plus que 0 et au plus 24."),
    ("premium", "value", "abc", "Entrez un nombre d&#39;heures, par exemple 7,5."),
    ("km", "work_date", "2026-12-01", "La date doit être dans la semaine"),
    ("km", "activity_id", "", "Choisissez une activité de ce projet."),
]


@pytest.mark.parametrize(("kind", "field", "typed", "message"), EXPENSE_ERRORS)
def test_bad_expense_line_is_reported_inline_and_nothing_is_saved(
    client, owner_in, work, extra, kind, field, typed, message
):
    expense_type = {**work, **extra}[kind]
    data = expense_form(work, **{"expense_type_id": expense_type.id, field: typed})
    response = post_expense(client, owner_in, data)
    assert response.status_code == 200
    assert f'id="expense-new-{field}-error">{message}' in response.text
    assert (count(Timesheet), count(ExpenseLine)) == (0, 0)


def test_an_expense_of_another_company_is_refused(client, owner_in, work, foreign):
    data = expense_form(work, expense_type_id=foreign["meal"].id)
    response = post_expense(client, owner_in, data)
    assert 'id="expense-new-expense_type_id-error">Choisissez une dépense' in response.text
    assert count(ExpenseLine) == 0


@pytest.mark.parametrize(
    ("kind", "label", "hint"),
    [
        ("meal", "Montant ($)", "En dollars, par exemple 12,50."),
        ("km", "Quantité (km)", "En km, par exemple 42."),
        ("premium", "Heures à prime", "Heures payées à prime, par exemple 2,5 (au plus 24)."),
        (None, "Valeur", "Choisissez d&#39;abord la dépense ou prime"),
    ],
)
def test_the_value_label_follows_the_kind(client, owner_in, work, extra, kind, label, hint):
    type_id = {**work, **extra}[kind].id if kind else ""
    response = client.get(
        "/feuilles-de-temps/valeur-depense",
        query_string={
            "prefix": "expense-new-",
            "expense-new-expense_type_id": type_id,
            "expense-new-value": "3",
        },
        headers=hx("expense-new-value-field"),
    )
    assert f'<label for="expense-new-value">{label}</label>' in response.text
    assert hint in response.text
    assert 'value="3"' in response.text  # what was typed stays
    page = client.get(week_url(owner_in)).text
    assert 'hx-get="/feuilles-de-temps/valeur-depense?prefix=expense-new-"' in page
    assert 'hx-target="#expense-new-value-field"' in page


def test_editing_an_expense_shows_its_kind_label(client, owner_in, work):
    post_expense(client, owner_in, expense_form(work, expense_type_id=work["meal"].id, value="15"))
    line = db.session.scalar(db.select(ExpenseLine))
    form = client.get(
        f"/feuilles-de-temps/{line.timesheet_id}/depenses/{line.id}/modifier",
        headers=hx(f"expense-{line.id}"),
    ).text
    assert f'<label for="expense-{line.id}-value">Montant ($)</label>' in form
    assert f'name="expense-{line.id}-value" type="text" value="15"' in form


def test_edit_and_delete_an_expense_in_place(client, owner_in, work):
    post_expense(client, owner_in, expense_form(work))
    line = db.session.scalar(db.select(ExpenseLine))
    url = f"/feuilles-de-temps/{line.timesheet_id}/depenses/{line.id}"
    prefix = f"expense-{line.id}"
    bad = client.post(url, data=expense_form(work, prefix, value="abc"), headers=hx(prefix))
    assert bad.text.lstrip().startswith(f'<tr id="{prefix}" class="editing">')
    assert f'id="{prefix}-value-error">Entrez une valeur' in bad.text
    data = expense_form(work, prefix, expense_type_id=work["meal"].id, value="18,25")
    good = client.post(url, data=data, headers=hx(prefix))
    assert good.headers["HX-Retarget"] == "#expense-lines" and "18,25\u00a0$" in good.text
    stored = db.session.get(ExpenseLine, line.id)
    db.session.refresh(stored)
    assert (stored.amount, stored.quantity) == (Decimal("18.25"), None)
    gone = client.post(f"{url}/supprimer", headers=hx("expense-lines"))
    assert f'id="{prefix}"' not in gone.text and count(ExpenseLine) == 0


# --- the activity select depends on the project --------------------------------------------


def activity_options(client, project_id, prefix="hour-new-"):
    return client.get(
        "/feuilles-de-temps/activites",
        query_string={"prefix": prefix, f"{prefix}project_id": project_id},
        headers=hx(f"{prefix}activity_id"),
    )


def test_the_activity_options_follow_the_project(client, owner_in, work, extra, foreign):
    text = activity_options(client, work["project"].id).text
    assert "03-100 — Coffrage" in text and "06-100 — Charpente" in text
    assert "Toiture" not in text and "Vieux" not in text  # other project, inactive
    text = activity_options(client, extra["other"].id, "expense-4-").text
    assert f'<option value="{extra["roofing"].id}" selected>07-300 — Toiture</option>' in text
    for project_id in (foreign["project"].id, extra["closed"].id, "", "abc"):
        text = activity_options(client, project_id).text
        assert text.count("<option") == 1 and "Choisir d&#39;abord un projet" in text


def test_the_project_select_asks_for_its_activities(client, owner_in, work):
    page = client.get(week_url(owner_in)).text
    assert (
        'hx-get="/feuilles-de-temps/activites?prefix=hour-new-" '
        'hx-include="#hour-new-activity_id" hx-swap="innerHTML" '
        'hx-target="#hour-new-activity_id" id="hour-new-project_id"'
    ) in page
    assert 'id="hour-new-activity_id" name="hour-new-activity_id">' in page


def test_the_chosen_activity_stays_when_it_belongs_to_the_project(client, owner_in, work, extra):
    query = {
        "prefix": "hour-new-",
        "hour-new-project_id": work["project"].id,
        "hour-new-activity_id": work["framing"].id,
    }
    text = client.get("/feuilles-de-temps/activites", query_string=query).text
    assert f'<option value="{work["framing"].id}" selected>06-100 — Charpente' in text
    query["hour-new-project_id"] = extra["other"].id
    text = client.get("/feuilles-de-temps/activites", query_string=query).text
    assert "Charpente" not in text and " selected>07-300 — Toiture" in text


def test_without_javascript_a_new_project_lists_its_activities_after_submitting(
    client, owner_in, work, extra
):
    data = hour_form(work, project_id=extra["other"].id)  # activity of the first project
    response = client.post(f"{week_url(owner_in)}/heures", data=data)
    assert "Choisissez une activité de ce projet." in response.text
    assert "07-300 — Toiture" in response.text and "03-100 — Coffrage" not in response.text


# --- ids that are not ours -------------------------------------------------------------------


def test_lines_of_another_company_are_not_found(
    client, auth, foreign, make_user, make_timesheet, owner_in, work
):
    stranger = make_user("employee", company=foreign["project"].company)
    sheet = make_timesheet(stranger, foreign)
    line = sheet.hour_lines[0]
    auth.login(make_user("superadmin"))
    base = f"/feuilles-de-temps/{sheet.id}/heures/{line.id}"
    assert client.get(f"{base}/modifier").status_code == 404
    assert (
        client.post(base, data=hour_form(foreign, f"hour-{line.id}", hours="1")).status_code == 404
    )
    assert client.post(f"{base}/supprimer").status_code == 404
    assert client.post(f"{week_url(stranger)}/heures", data=hour_form(foreign)).status_code == 404
    stored = reload(sheet)
    assert [(kept.id, kept.hours) for kept in stored.hour_lines] == [(line.id, Decimal("8.00"))]


def test_a_line_id_of_another_sheet_is_not_found(client, owner_in, work, make_timesheet):
    mine = make_timesheet(owner_in, work)
    other = make_timesheet(owner_in, work, week_start=WEEK.replace(day=30))
    line = other.hour_lines[0]
    response = client.post(f"/feuilles-de-temps/{mine.id}/heures/{line.id}/supprimer")
    assert response.status_code == 404
    assert count(HourLine) == 2
