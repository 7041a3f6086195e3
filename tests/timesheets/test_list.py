"""The list of sheets and the week pages: pagination, filters, who sees what, other companies."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import ExpenseLine, Project, Timesheet, TimesheetStatus
from tests.timesheets.helpers import WEEK, hx, reload, week_url

LIST = "/feuilles-de-temps/"


def rows(html: str) -> int:
    return html.count('<tr id="sheet-')


def shown(html: str, sheet: Timesheet) -> bool:
    return f'<tr id="sheet-{sheet.id}">' in html


def test_the_list_is_paginated_newest_week_first(client, auth, owner, work, make_timesheet):
    sheets = [make_timesheet(owner, work, week_start=WEEK - timedelta(weeks=n)) for n in range(30)]
    auth.login(owner)
    first = client.get(LIST).text
    assert rows(first) == 25
    assert "Page 1 sur 2 · 30 résultats" in first
    assert '<a href="/feuilles-de-temps/" aria-current="page">Feuilles</a>' in first  # the tab
    assert first.index(f'id="sheet-{sheets[0].id}"') < first.index(f'id="sheet-{sheets[1].id}"')
    second = client.get(LIST, query_string={"page": 2}).text
    assert rows(second) == 5 and shown(second, sheets[-1]) and not shown(second, sheets[0])
    filtered = client.get(LIST, query_string={"statut": "draft"}).text
    assert 'href="/feuilles-de-temps/?statut=draft&amp;page=2"' in filtered
    for page in ("abc", "-3", "99999999999999999999"):
        assert client.get(LIST, query_string={"page": page}).status_code == 200


@pytest.fixture
def company_sheets(people, work, make_timesheet, company):
    """Four sheets of the company in several weeks, statuses and projects."""
    other = Project(company=company, number="24-202", name="Chalet Poulin")
    db.session.add(other)
    db.session.commit()
    sheets = {
        "owner_this_week": make_timesheet(people["owner"], work),
        "owner_last_week": make_timesheet(
            people["owner"],
            work,
            week_start=WEEK - timedelta(weeks=1),
            status=TimesheetStatus.SUBMITTED,
        ),
        "coworker_this_week": make_timesheet(
            people["coworker"], work, status=TimesheetStatus.SUBMITTED
        ),
        "coworker_expenses_only": make_timesheet(
            people["coworker"],
            work,
            week_start=WEEK - timedelta(weeks=2),
            status=TimesheetStatus.VALIDATED,
        ),
    }
    expenses_only = sheets["coworker_expenses_only"]
    expenses_only.hour_lines.clear()
    expenses_only.expense_lines.append(
        ExpenseLine(
            work_date=expenses_only.week_start,
            project=other,
            activity=work["formwork"],
            expense_type=work["meal"],
            amount=Decimal("15"),
        )
    )
    db.session.commit()
    sheets["other_project"] = other
    return sheets


#: query string → the sheets the reviewer sees.
FILTERS = [
    ({}, {"owner_this_week", "owner_last_week", "coworker_this_week", "coworker_expenses_only"}),
    ({"semaine": "2026-11-25"}, {"owner_this_week", "coworker_this_week"}),
    ({"semaine": "2026-11-16"}, {"owner_last_week"}),
    ({"statut": "submitted"}, {"owner_last_week", "coworker_this_week"}),
    ({"statut": "validated"}, {"coworker_expenses_only"}),
    ({"statut": "frozen"}, set()),
    ({"employe": "coworker"}, {"coworker_this_week", "coworker_expenses_only"}),
    ({"projet": "other_project"}, {"coworker_expenses_only"}),
    ({"projet": "project"}, {"owner_this_week", "owner_last_week", "coworker_this_week"}),
    ({"statut": "submitted", "employe": "owner"}, {"owner_last_week"}),
    ({"statut": "nonsense", "semaine": "abc", "employe": "abc", "projet": "x" * 10_000}, None),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter(client, auth, people, work, company_sheets, query, expected):
    ids = {"coworker": people["coworker"].id, "owner": people["owner"].id}
    ids |= {"other_project": company_sheets["other_project"].id, "project": work["project"].id}
    query = {key: ids.get(value, value) for key, value in query.items()}
    auth.login(people["validator"])
    html = client.get(LIST, query_string=query).text
    sheets = {k: v for k, v in company_sheets.items() if isinstance(v, Timesheet)}
    if expected is None:  # values that mean nothing are ignored
        expected = set(sheets)
    assert {name for name, sheet in sheets.items() if shown(html, sheet)} == expected
    if not expected:
        assert "Aucune feuille ne correspond à ces filtres." in html
    if isinstance(query.get("employe"), int):
        assert f'<option selected value="{query["employe"]}">' in html


def test_filtering_with_htmx_swaps_only_the_list(client, auth, people, company_sheets):
    auth.login(people["validator"])
    response = client.get(LIST, query_string={"statut": "submitted"}, headers=hx("sheet-list"))
    assert response.text.lstrip().startswith('<section id="sheet-list"')
    assert rows(response.text) == 2 and "<!doctype" not in response.text
    page = client.get(LIST).text
    assert 'hx-get="/feuilles-de-temps/"' in page and 'hx-target="#sheet-list"' in page


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_limited_users_see_only_their_own_sheets(client, auth, people, company_sheets, role):
    auth.login(people[role])
    html = client.get(LIST).text
    mine = {"owner_this_week", "owner_last_week"} if role == "owner" else set()
    sheets = {k: v for k, v in company_sheets.items() if isinstance(v, Timesheet)}
    assert {name for name, sheet in sheets.items() if shown(html, sheet)} == mine
    assert 'name="employe"' not in html  # no employee to choose
    asked = client.get(LIST, query_string={"employe": people["coworker"].id}).text
    assert {name for name, sheet in sheets.items() if shown(asked, sheet)} == mine  # ignored
    assert 'id="waiting-review"' not in html


def test_reviewers_see_how_many_sheets_wait(client, auth, people, company_sheets):
    auth.login(people["validator"])
    html = client.get(LIST).text
    assert "2 feuilles soumises attendent une validation." in html
    assert 'href="/feuilles-de-temps/?statut=submitted"' in html


def test_another_company_sheets_are_invisible_and_not_found(
    client, auth, make_company, make_user, make_work_data, make_timesheet, people
):
    other = make_company("Autre compagnie")
    stranger = make_user("employee", company=other)
    sheet = make_timesheet(stranger, make_work_data(other), status=TimesheetStatus.SUBMITTED)
    auth.login(people["superadmin"])
    assert not shown(client.get(LIST).text, sheet)
    assert client.get(LIST, query_string={"employe": stranger.id}).text.count("<tr id=") == 0
    assert client.get(f"/feuilles-de-temps/{sheet.id}").status_code == 404
    assert client.get(week_url(stranger)).status_code == 404
    for action in ("soumettre", "valider", "rejeter", "geler"):
        response = client.post(f"/feuilles-de-temps/{sheet.id}/{action}", data={"reason": "x"})
        assert response.status_code == 404
    assert reload(sheet).status == TimesheetStatus.SUBMITTED
    for url in ("/feuilles-de-temps/99999999999999999999", "/feuilles-de-temps/0"):
        assert client.get(url).status_code == 404


def test_a_coworker_sheet_is_refused_to_a_limited_user(client, auth, people, company_sheets):
    sheet = company_sheets["coworker_this_week"]
    auth.login(people["owner"])
    assert client.get(f"/feuilles-de-temps/{sheet.id}").status_code == 403
    response = client.get(week_url(people["coworker"]))
    assert response.status_code == 403
    assert "vos propres feuilles" in response.text


# --- opening a week ----------------------------------------------------------------------------


def test_my_week_opens_this_week_of_the_signed_in_user(client, auth, people):
    auth.login(people["owner"])
    today = datetime.now(ZoneInfo("America/Toronto")).date()
    monday = today - timedelta(days=today.weekday())
    response = client.get("/feuilles-de-temps/semaine")
    assert response.headers["Location"] == week_url(people["owner"], monday)
    page = client.get(LIST).text
    assert 'id="my-week" href="/feuilles-de-temps/semaine"' in page


def test_a_reviewer_opens_any_employee_week_without_creating_it(client, auth, people):
    auth.login(people["validator"])
    query = {"date": "2026-11-26", "employe": people["owner"].id}
    response = client.get("/feuilles-de-temps/semaine", query_string=query)
    assert response.headers["Location"] == week_url(people["owner"])
    page = client.get(week_url(people["owner"])).text
    assert '<h1 id="sheet-title">Émile Gagnon</h1>' in page
    assert "Semaine du lundi 23 novembre au dimanche 29 novembre 2026" in page
    assert 'class="badge badge-draft">Brouillon<' in page and "Rien n'est encore saisi" in page
    owner = people["owner"]
    label = f"Gagnon, Émile ({owner.employee_number})"  # last name first, with the number
    assert f'<option selected value="{owner.id}">{label}</option>' in page
    assert db.session.scalar(db.select(db.func.count(Timesheet.id))) == 0


def test_a_limited_user_cannot_pick_another_employee(client, auth, people):
    auth.login(people["owner"])
    query = {"date": "2026-11-26", "employe": people["coworker"].id}
    response = client.get("/feuilles-de-temps/semaine", query_string=query)
    assert response.headers["Location"] == week_url(people["owner"])


def test_week_navigation(client, auth, people):
    auth.login(people["owner"])
    url = week_url(people["owner"])
    assert client.get(url.replace("2026-11-23", "2026-11-26")).headers["Location"] == url
    assert client.get(url.replace("2026-11-23", "2026-13-40")).status_code == 404
    page = client.get(url).text
    assert (
        f'id="previous-week" href="{week_url(people["owner"], WEEK - timedelta(weeks=1))}"' in page
    )
    assert f'id="next-week" href="{week_url(people["owner"], WEEK + timedelta(weeks=1))}"' in page


def test_times_are_stored_in_utc_and_shown_in_quebec_time(
    client, make_user, auth, make_work_data, make_timesheet
):
    from datetime import UTC, datetime

    from portal.extensions import db
    from portal.models import Timesheet, TimesheetStatus

    validator = auth.login(make_user("validator"))
    work = make_work_data(validator.company)
    sheet = make_timesheet(make_user("employee"), work, status=TimesheetStatus.SUBMITTED)
    sheet.submitted_at = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # 16 h 30 in Québec
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Timesheet, sheet.id).submitted_at.utcoffset().total_seconds() == 0
    page = client.get("/feuilles-de-temps/").text
    assert "16 h 30" in page and "21 h 30" not in page
