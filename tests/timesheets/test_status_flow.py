"""The status flow: every transition × every role, through the service and over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.errors import (
    ConflictError,
    PermissionDeniedError,
    TimesheetLockedError,
    ValidationError,
)
from portal.extensions import db
from portal.models import AuditEvent, ExpenseLine, HourLine, TimesheetStatus
from portal.services import timesheet_lines, timesheet_status
from portal.services.timesheet_lines import ExpenseLineData, HourLineData
from tests.timesheets.helpers import (
    DRAFT,
    FROZEN,
    REJECTED,
    SUBMITTED,
    VALIDATED,
    WEEK,
    hx,
    reload,
    toast,
    week_url,
)

#: What the employee reads on the badge.
LABELS = {
    DRAFT: "Brouillon",
    SUBMITTED: "Soumise",
    VALIDATED: "Validée",
    REJECTED: "Rejetée",
    FROZEN: "Gelée",
}
ROLES = ("owner", "coworker", "manager", "validator", "ts_admin", "superadmin")
REVIEWERS = {"validator", "ts_admin", "superadmin"}
#: action: (URL segment, statuses it leaves from, roles allowed to apply it, status reached)
TRANSITIONS = {
    "submit": ("soumettre", {DRAFT, REJECTED}, {"owner"} | REVIEWERS, SUBMITTED),
    "validate": ("valider", {SUBMITTED}, REVIEWERS, VALIDATED),
    "reject": ("rejeter", {SUBMITTED, VALIDATED}, REVIEWERS, REJECTED),
    "freeze": ("geler", {VALIDATED}, {"ts_admin", "superadmin"}, FROZEN),
}
REASON = "Il manque les heures du vendredi."
FROZEN_MESSAGE = (
    "Cette feuille de temps est gelée : elle a été envoyée à la paie et ne peut plus être "
    "modifiée. Pour la corriger, un Admin des feuilles de temps la dégèle avec un motif."
)
#: HTTP status of each refusal, and a word of the message the user reads.
REFUSALS = {
    PermissionDeniedError: (403, "permission|vos propres"),
    TimesheetLockedError: (409, "gelée"),
    ConflictError: (409, "ne peut pas passer"),
}


def outcome(action: str, status: TimesheetStatus, role: str):
    """The rule, written independently of the service: the status reached, or the error."""
    _, leaves_from, allowed, reached = TRANSITIONS[action]
    if role not in allowed:
        return PermissionDeniedError
    if status == FROZEN:
        return TimesheetLockedError
    if status not in leaves_from:
        return ConflictError
    return reached


CASES = [
    pytest.param(action, status, role, id=f"{action}-{status.value}-{role}")
    for action in TRANSITIONS
    for status in TimesheetStatus
    for role in ROLES
]


def apply(action: str, actor, sheet) -> None:
    if action == "reject":
        timesheet_status.reject(sheet.company_id, actor, sheet, REASON)
    else:
        getattr(timesheet_status, action)(sheet.company_id, actor, sheet)


def audit_events() -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)))


@pytest.mark.parametrize(("action", "status", "role"), CASES)
def test_transition_through_the_service(people, work, make_timesheet, action, status, role):
    sheet = make_timesheet(people["owner"], work, status=status)
    actor = people[role]
    expected = outcome(action, status, role)
    if isinstance(expected, TimesheetStatus):
        apply(action, actor, sheet)
        db.session.commit()
        assert reload(sheet).status == expected
        (event,) = audit_events()
        assert (event.action, event.user_id, event.target_id) == (
            f"timesheet.{action}",
            actor.id,
            sheet.id,
        )
        assert event.details == {"previous": status.value, "status": expected.value}
    else:
        with pytest.raises(expected):
            apply(action, actor, sheet)
        db.session.rollback()
        assert reload(sheet).status == status
        assert audit_events() == []


@pytest.mark.parametrize(("action", "status", "role"), CASES)
def test_transition_over_http(client, auth, people, work, make_timesheet, action, status, role):
    sheet = make_timesheet(people["owner"], work, status=status)
    auth.login(people[role])
    response = client.post(
        f"/feuilles-de-temps/{sheet.id}/{TRANSITIONS[action][0]}",
        data={"reason": REASON},
        headers=hx("sheet"),
    )
    expected = outcome(action, status, role)
    if isinstance(expected, TimesheetStatus):
        assert response.status_code == 200
        assert f'class="badge badge-{expected.value}">{LABELS[expected]}</span>' in response.text
        assert toast(response)["level"] == "success"
        assert reload(sheet).status == expected
    else:
        code, words = REFUSALS[expected]
        assert response.status_code == code
        message = toast(response)["message"]
        assert toast(response)["level"] == "error"
        assert any(word in message for word in words.split("|")), message
        assert reload(sheet).status == status
        assert audit_events() == []


@pytest.mark.parametrize("status", list(TimesheetStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("role", ["owner", "validator", "ts_admin", "superadmin"])
def test_the_page_shows_only_the_allowed_buttons(
    client, auth, people, work, make_timesheet, status, role
):
    sheet = make_timesheet(people["owner"], work, status=status)
    auth.login(people[role])
    allowed = {a for a in TRANSITIONS if isinstance(outcome(a, status, role), TimesheetStatus)}
    assert set(timesheet_status.available_actions(sheet, people[role])) == allowed
    page = client.get(week_url(people["owner"])).text
    assert f'id="sheet-status-badge" class="badge badge-{status.value}">{LABELS[status]}' in page
    for action in TRANSITIONS:
        assert (f'id="{action}-sheet"' in page) == (action in allowed), action


def test_submitting_an_empty_sheet_is_refused(client, auth, owner, make_timesheet, work):
    sheet = make_timesheet(owner, work)
    db.session.delete(sheet.hour_lines[0])
    db.session.commit()
    auth.login(owner)
    response = client.post(f"/feuilles-de-temps/{sheet.id}/soumettre", headers=hx("sheet"))
    assert response.status_code == 409
    assert "Ajoutez au moins une ligne" in toast(response)["message"]
    assert reload(sheet).status == DRAFT


def test_reject_needs_a_reason_shown_inline(client, auth, people, work, make_timesheet):
    sheet = make_timesheet(people["owner"], work, status=SUBMITTED)
    auth.login(people["validator"])
    response = client.post(
        f"/feuilles-de-temps/{sheet.id}/rejeter", data={"reason": "   "}, headers=hx("sheet")
    )
    assert response.status_code == 200
    assert 'id="reason-error">Dites à l&#39;employé ce qu&#39;il doit corriger.' in response.text
    assert '<details class="reject" open>' in response.text
    assert reload(sheet).status == SUBMITTED
    response = client.post(
        f"/feuilles-de-temps/{sheet.id}/rejeter", data={"reason": "x" * 10_000}, headers=hx("sheet")
    )
    assert "Maximum 500 caractères." in response.text
    assert reload(sheet).status == SUBMITTED
    assert audit_events() == []


def test_rejected_sheet_shows_the_reason_and_can_be_corrected_and_resubmitted(
    client, auth, people, work, make_timesheet
):
    owner, validator = people["owner"], people["validator"]
    sheet = make_timesheet(owner, work, status=SUBMITTED)
    auth.login(validator)
    client.post(f"/feuilles-de-temps/{sheet.id}/rejeter", data={"reason": REASON})
    auth.login(owner)
    page = client.get(week_url(owner)).text
    assert REASON in page and 'id="rejection-reason"' in page
    assert "Rejetée par" in page and "Valérie Roy" in page
    line = reload(sheet).hour_lines[0]
    prefix = f"hour-{line.id}-"
    response = client.post(
        f"/feuilles-de-temps/{sheet.id}/heures/{line.id}",
        data={
            f"{prefix}work_date": "2026-11-23",
            f"{prefix}project_id": work["project"].id,
            f"{prefix}activity_id": work["formwork"].id,
            f"{prefix}trade_id": work["trade"].id,
            f"{prefix}hours": "9",
        },
        headers=hx(f"hour-{line.id}"),
    )
    assert response.status_code == 200, response.text
    response = client.post(f"/feuilles-de-temps/{sheet.id}/soumettre", headers=hx("sheet"))
    assert "badge-submitted" in response.text and REASON not in response.text
    stored = reload(sheet)
    assert (stored.status, stored.rejection_reason, str(stored.hour_lines[0].hours)) == (
        SUBMITTED,
        None,
        "9.00",
    )
    assert [e.action for e in audit_events()] == ["timesheet.reject", "timesheet.submit"]


def test_who_and_when_in_local_time(client, auth, people, work, make_timesheet):
    sheet = make_timesheet(people["owner"], work, status=VALIDATED)
    reviewer_id, admin_id = people["validator"].id, people["ts_admin"].id
    # 15:30 UTC on 27 November is 10:30 in Québec (EST); all changes in one flush.
    sheet.reviewed_by_id, sheet.reviewed_at = (
        reviewer_id,
        datetime(2026, 11, 27, 15, 30, tzinfo=UTC),
    )
    sheet.frozen_by_id, sheet.frozen_at = admin_id, datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
    sheet.status = FROZEN
    db.session.commit()
    auth.login(people["owner"])
    page = client.get(week_url(people["owner"])).text
    assert 'id="validated-by">Valérie Roy, le 27 nov. 2026, 10 h 30<' in page
    assert 'id="frozen-by">Alain Bouchard, le 28 nov. 2026, 09 h 05<' in page


def test_without_javascript_a_transition_redirects_to_the_week(
    client, auth, people, work, make_timesheet
):
    sheet = make_timesheet(people["owner"], work, status=SUBMITTED)
    auth.login(people["validator"])
    response = client.post(f"/feuilles-de-temps/{sheet.id}/valider")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(week_url(people["owner"]))
    page = client.get(response.headers["Location"]).text
    assert "Feuille validée." in page and 'id="validated-by">Valérie Roy' in page


def test_an_invalid_transition_is_refused_even_through_the_service_with_a_message(
    people, work, make_timesheet
):
    sheet = make_timesheet(people["owner"], work, status=VALIDATED)
    with pytest.raises(ConflictError, match="validée"):
        timesheet_status.submit(sheet.company_id, people["owner"], sheet)
    with pytest.raises(ValidationError):
        timesheet_status.reject(sheet.company_id, people["validator"], sheet, "")


# --- a frozen (Gelée) sheet cannot change, by any route, service or ORM write ------------------


@pytest.fixture
def frozen(make_timesheet, owner, work):
    """The owner's frozen sheet: one hour line, one expense line."""
    sheet = make_timesheet(owner, work, status=VALIDATED)
    sheet.expense_lines.append(
        ExpenseLine(
            work_date=WEEK,
            project=work["project"],
            activity=work["formwork"],
            expense_type=work["km"],
            quantity=Decimal("42"),
        )
    )
    db.session.commit()
    sheet.status = FROZEN
    db.session.commit()
    return sheet


def snapshot(sheet) -> tuple:
    """Everything stored about the sheet and its lines."""
    sheet = reload(sheet)
    return (
        sheet.status,
        sheet.rejection_reason,
        sheet.reviewed_at,
        [
            (line.id, line.work_date, line.project_id, line.activity_id, line.trade_id, line.hours)
            for line in sheet.hour_lines
        ],
        [
            (line.id, line.work_date, line.expense_type_id, line.quantity, line.amount)
            for line in sheet.expense_lines
        ],
    )


def hour_fields(prefix: str, work: dict) -> dict:
    return {
        f"{prefix}-work_date": "2026-11-24",
        f"{prefix}-project_id": work["project"].id,
        f"{prefix}-activity_id": work["framing"].id,
        f"{prefix}-trade_id": work["trade"].id,
        f"{prefix}-hours": "4",
    }


def expense_fields(prefix: str, work: dict) -> dict:
    return {
        f"{prefix}-work_date": "2026-11-24",
        f"{prefix}-project_id": work["project"].id,
        f"{prefix}-activity_id": work["framing"].id,
        f"{prefix}-expense_type_id": work["meal"].id,
        f"{prefix}-value": "15",
    }


#: Every request that could change a sheet, and whether it is a reviewer's action.
FROZEN_REQUESTS = {
    "add hour line (sheet form)": False,
    "add expense line (sheet form)": False,
    "open hour line form": False,
    "open expense line form": False,
    "edit hour line": False,
    "edit expense line": False,
    "delete hour line": False,
    "delete expense line": False,
    "submit": False,
    "validate": True,
    "reject": True,
    "freeze": True,
}


def frozen_request(name: str, sheet, work: dict) -> tuple[str, str, dict]:
    hour, expense = sheet.hour_lines[0], sheet.expense_lines[0]
    base, week = f"/feuilles-de-temps/{sheet.id}", week_url(sheet.employee)
    return {
        "add hour line (sheet form)": ("post", f"{week}/heures", hour_fields("hour-new", work)),
        "add expense line (sheet form)": (
            "post",
            f"{week}/depenses",
            expense_fields("expense-new", work),
        ),
        "open hour line form": ("get", f"{base}/heures/{hour.id}/modifier", {}),
        "open expense line form": ("get", f"{base}/depenses/{expense.id}/modifier", {}),
        "edit hour line": (
            "post",
            f"{base}/heures/{hour.id}",
            hour_fields(f"hour-{hour.id}", work),
        ),
        "edit expense line": (
            "post",
            f"{base}/depenses/{expense.id}",
            expense_fields(f"expense-{expense.id}", work),
        ),
        "delete hour line": ("post", f"{base}/heures/{hour.id}/supprimer", {}),
        "delete expense line": ("post", f"{base}/depenses/{expense.id}/supprimer", {}),
        "submit": ("post", f"{base}/soumettre", {}),
        "validate": ("post", f"{base}/valider", {}),
        "reject": ("post", f"{base}/rejeter", {"reason": REASON}),
        "freeze": ("post", f"{base}/geler", {}),
    }[name]


@pytest.mark.parametrize("name", FROZEN_REQUESTS)
@pytest.mark.parametrize("role", ["owner", "superadmin"])
def test_no_route_changes_a_frozen_sheet(client, auth, people, work, frozen, name, role):
    before = snapshot(frozen)
    auth.login(people[role])
    method, url, data = frozen_request(name, reload(frozen), work)
    response = client.open(url, method=method.upper(), data=data, headers=hx("sheet"))
    if role == "owner" and FROZEN_REQUESTS[name]:
        assert response.status_code == 403  # rights are checked before the state
    else:
        assert response.status_code == 409
        assert toast(response) == {"level": "error", "message": FROZEN_MESSAGE}
    assert snapshot(frozen) == before
    assert audit_events() == []


def test_without_javascript_a_frozen_sheet_answers_with_an_error_page(
    client, auth, people, work, frozen
):
    auth.login(people["superadmin"])
    _, url, data = frozen_request("add hour line (sheet form)", frozen, work)
    response = client.post(url, data=data)
    assert response.status_code == 409
    assert "Opération impossible" in response.text and "est gelée" in response.text


@pytest.mark.parametrize("role", ["owner", "superadmin"])
def test_a_frozen_sheet_page_offers_no_change(client, auth, people, frozen, role):
    auth.login(people[role])
    page = client.get(week_url(people["owner"])).text
    assert 'class="badge badge-frozen">Gelée<' in page
    assert "personne ne peut plus la modifier" in page
    for control in ('id="add-hour"', 'id="add-expense"', ">Modifier<", ">Supprimer<", "-sheet"):
        assert control not in page


def call(name: str, actor, sheet, work: dict):
    company_id, hour, expense = sheet.company_id, sheet.hour_lines[0], sheet.expense_lines[0]
    hours = HourLineData(WEEK, work["project"].id, work["framing"].id, work["trade"].id, None, "2")
    value = ExpenseLineData(WEEK, work["project"].id, work["framing"].id, work["meal"].id, "15")
    return {
        "add hour line": lambda: timesheet_lines.save_hour_line(company_id, actor, sheet, hours),
        "edit hour line": lambda: timesheet_lines.save_hour_line(
            company_id, actor, sheet, hours, hour
        ),
        "add expense line": lambda: timesheet_lines.save_expense_line(
            company_id, actor, sheet, value
        ),
        "edit expense line": lambda: timesheet_lines.save_expense_line(
            company_id, actor, sheet, value, expense
        ),
        "delete hour line": lambda: timesheet_lines.delete_line(company_id, actor, sheet, hour),
        "delete expense line": lambda: timesheet_lines.delete_line(
            company_id, actor, sheet, expense
        ),
        "submit": lambda: timesheet_status.submit(company_id, actor, sheet),
        "validate": lambda: timesheet_status.validate(company_id, actor, sheet),
        "reject": lambda: timesheet_status.reject(company_id, actor, sheet, REASON),
        "freeze": lambda: timesheet_status.freeze(company_id, actor, sheet),
    }[name]()


@pytest.mark.parametrize(
    "name",
    [
        "add hour line",
        "edit hour line",
        "add expense line",
        "edit expense line",
        "delete hour line",
        "delete expense line",
        "submit",
        "validate",
        "reject",
        "freeze",
    ],
)
def test_no_service_call_changes_a_frozen_sheet(people, work, frozen, name):
    before = snapshot(frozen)
    with pytest.raises(TimesheetLockedError):
        call(name, people["superadmin"], reload(frozen), work)
    db.session.rollback()
    assert snapshot(frozen) == before


def _add_line_by_id(sheet, work):
    db.session.add(
        HourLine(
            timesheet_id=sheet.id,
            work_date=WEEK,
            project_id=work["project"].id,
            activity_id=work["formwork"].id,
            trade_id=work["trade"].id,
            hours=Decimal("1"),
        )
    )


#: Writes that skip the services entirely.
ORM_WRITES = {
    "status back to draft": lambda sheet, work: setattr(sheet, "status", DRAFT),
    "a column of the sheet": lambda sheet, work: setattr(sheet, "rejection_reason", "x"),
    "the hours of a line": lambda sheet, work: setattr(sheet.hour_lines[0], "hours", 1),
    "the amount of an expense": lambda sheet, work: setattr(sheet.expense_lines[0], "quantity", 1),
    "a new line in the collection": lambda sheet, work: sheet.hour_lines.append(
        HourLine(
            work_date=WEEK,
            project=work["project"],
            activity=work["formwork"],
            trade=work["trade"],
            hours=Decimal("1"),
        )
    ),
    "a new line by id": _add_line_by_id,
    "a deleted line": lambda sheet, work: db.session.delete(sheet.hour_lines[0]),
    "a line removed from the collection": lambda sheet, work: sheet.expense_lines.clear(),
    "the sheet deleted": lambda sheet, work: db.session.delete(sheet),
}


@pytest.mark.parametrize("write", ORM_WRITES)
def test_direct_orm_writes_to_a_frozen_sheet_are_refused_at_flush(work, frozen, write):
    before = snapshot(frozen)
    ORM_WRITES[write](reload(frozen), work)
    with pytest.raises(TimesheetLockedError):
        db.session.commit()
    db.session.rollback()
    assert snapshot(frozen) == before
