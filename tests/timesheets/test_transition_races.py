"""Two transitions of one sheet sent at the same instant: exactly one wins, on every database.

Both sides read the sheet first (as two open pages did), then a barrier releases them
together; only a conditional UPDATE on the status read lets exactly one of them through.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.errors import ConflictError, TimesheetLockedError
from portal.extensions import db
from portal.models import AuditEvent, Timesheet, User
from portal.services import timesheet_lines, timesheets
from portal.services import timesheet_status as flow
from portal.services.timesheet_lines import ExpenseLineData, HourLineData
from portal.services.timesheet_status import TARGETS
from tests.fixtures.factories import Auth
from tests.timesheets.concurrency import WON, race
from tests.timesheets.helpers import (
    DRAFT,
    FROZEN,
    REJECTED,
    SUBMITTED,
    VALIDATED,
    WEEK,
    hx,
    toast,
)

ROUNDS = 10
REASON = "Il manque les heures du vendredi."
#: What the loser of a race reads.
CHANGED_MEANWHILE = "Quelqu'un vient de modifier cette feuille"
#: Over HTTP the loser may also have read the new state already: any refusal says what to do.
RELOAD = re.compile("Rechargez la page|est gelée")
#: Every pair of transitions that can leave from the same status: (action, role) × 2.
PAIRS = {
    "validated-freeze-reject": (VALIDATED, ("freeze", "ts_admin"), ("reject", "validator")),
    "validated-freeze-freeze": (VALIDATED, ("freeze", "ts_admin"), ("freeze", "superadmin")),
    "validated-reject-reject": (VALIDATED, ("reject", "validator"), ("reject", "ts_admin")),
    "submitted-validate-reject": (SUBMITTED, ("validate", "validator"), ("reject", "ts_admin")),
    "submitted-validate-validate": (
        SUBMITTED,
        ("validate", "validator"),
        ("validate", "ts_admin"),
    ),
    "submitted-reject-reject": (SUBMITTED, ("reject", "validator"), ("reject", "superadmin")),
    "draft-submit-submit": (DRAFT, ("submit", "owner"), ("submit", "validator")),
    "rejected-submit-submit": (REJECTED, ("submit", "owner"), ("submit", "ts_admin")),
}


def apply(action: str, actor: User, sheet: Timesheet) -> None:
    if action == "reject":
        flow.reject(sheet.company_id, actor, sheet, REASON)
    else:
        getattr(flow, action)(sheet.company_id, actor, sheet)


def transition(action: str, user_id: int, sheet_id: int):
    """A side that opens the sheet as ``user_id``, then applies ``action`` to what it read."""

    def side():
        actor = db.session.get(User, user_id)
        sheet = timesheets.get_sheet(actor.company_id, actor, sheet_id)
        return lambda: apply(action, actor, sheet)

    return side


def events(sheet_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.target_type == "Timesheet", AuditEvent.target_id == sheet_id)
            .order_by(AuditEvent.id)
        )
    )


def incoherence(sheet: Timesheet) -> str | None:
    """What is wrong with a stored sheet, if anything: the columns must match its status."""
    if (sheet.status == FROZEN) != (sheet.frozen_at is not None):
        return f"{sheet.status.value} with frozen_at={sheet.frozen_at}"
    if (sheet.status == REJECTED) != (sheet.rejection_reason is not None):
        return f"{sheet.status.value} with rejection_reason={sheet.rejection_reason!r}"
    return None


def check_round(sheet_id: int, sides, outcomes, people) -> list[str]:
    """The problems of one round: winners, the loser's error, the row and its audit trail."""
    winners = [side for side, outcome in zip(sides, outcomes, strict=True) if outcome == WON]
    if len(winners) != 1:
        return [f"{len(winners)} winners: {outcomes}"]
    problems = []
    for outcome in outcomes:
        if outcome != WON and not (
            isinstance(outcome, ConflictError) and CHANGED_MEANWHILE in str(outcome.message)
        ):
            problems.append(f"loser got {outcome!r}")
    (action, role) = winners[0]
    sheet = db.session.get(Timesheet, sheet_id)
    if sheet.status != TARGETS[action]:
        problems.append(f"{action} won but the sheet is {sheet.status.value}")
    if reason := incoherence(sheet):
        problems.append(reason)
    trail = [(event.action, event.user_id) for event in events(sheet_id)]
    if trail != [(f"timesheet.{action}", people[role].id)]:
        problems.append(f"audit trail {trail}")
    return problems


@pytest.mark.parametrize("pair", PAIRS)
def test_two_transitions_at_the_same_instant_exactly_one_wins(
    app, people, work, make_timesheet, pair
):
    start, *sides = PAIRS[pair]
    problems = {}
    for number in range(ROUNDS):
        week = WEEK + timedelta(weeks=number)
        sheet = make_timesheet(people["owner"], work, status=start, week_start=week)
        racers = [transition(action, people[role].id, sheet.id) for action, role in sides]
        outcomes = race(app, racers)
        if found := check_round(sheet.id, sides, outcomes, people):
            problems[number] = found
    assert not problems, f"{len(problems)} of {ROUNDS} rounds went wrong: {problems}"


def test_the_session_sees_a_sheet_frozen_by_the_service_and_guards_it(people, work, make_timesheet):
    sheet = make_timesheet(people["owner"], work, status=VALIDATED)
    flow.freeze(sheet.company_id, people["ts_admin"], sheet)
    assert (sheet.status, sheet.frozen_by_id) == (FROZEN, people["ts_admin"].id)
    assert sheet.frozen_at is not None
    sheet.hour_lines[0].hours = Decimal("1.00")
    with pytest.raises(TimesheetLockedError):
        db.session.flush()


def test_the_loser_reads_that_the_sheet_changed_and_keeps_nothing(
    app, people, work, make_timesheet
):
    sheet = make_timesheet(people["owner"], work, status=VALIDATED)
    stale = timesheets.get_sheet(sheet.company_id, people["validator"], sheet.id)
    with app.app_context():  # another request, with a session of its own, freezes it
        admin = db.session.get(User, people["ts_admin"].id)
        flow.freeze(
            admin.company_id, admin, timesheets.get_sheet(admin.company_id, admin, sheet.id)
        )
        db.session.commit()
    with pytest.raises(ConflictError) as refused:
        flow.reject(sheet.company_id, people["validator"], stale, REASON)
    message = str(refused.value.message)
    assert CHANGED_MEANWHILE in message and "gelée" in message and "Rechargez" in message
    assert stale.status == FROZEN  # the object now shows what is stored
    db.session.rollback()
    assert [event.action for event in events(sheet.id)] == ["timesheet.freeze"]


def test_freeze_and_reject_clicked_at_the_same_instant_over_http(app, people, work, make_timesheet):
    admin, validator = people["ts_admin"], people["validator"]
    problems = {}
    for number in range(ROUNDS):
        sheet = make_timesheet(
            people["owner"], work, status=VALIDATED, week_start=WEEK + timedelta(weeks=number)
        )
        racers = [
            click(app, admin.id, f"/feuilles-de-temps/{sheet.id}/geler"),
            click(app, validator.id, f"/feuilles-de-temps/{sheet.id}/rejeter"),
        ]
        responses = race(app, racers)
        codes = sorted(response.status_code for response in responses)
        stored = db.session.get(Timesheet, sheet.id)
        found = [] if codes == [200, 409] else [f"answered {codes}"]
        if reason := incoherence(stored):
            found.append(reason)
        for response in responses:
            if response.status_code == 409:
                refusal = toast(response)
                if refusal["level"] != "error" or not RELOAD.search(refusal["message"]):
                    found.append(f"the loser read {refusal}")
            elif f'class="badge badge-{stored.status.value}"' not in response.text:
                found.append(f"the winner's page does not show {stored.status.value}")
        if len(events(sheet.id)) != 1:
            found.append(f"audit trail {[event.action for event in events(sheet.id)]}")
        if found:
            problems[number] = found
    assert not problems, f"{len(problems)} of {ROUNDS} rounds went wrong: {problems}"


def click(app, user_id: int, url: str):
    """A side that signs the user in on a client of its own and posts to ``url``."""

    def side():
        client = app.test_client()
        Auth(client).login(db.session.get(User, user_id))

        def post():
            with app.app_context():  # a request of its own: its session ends with it
                return client.post(url, data={"reason": REASON}, headers=hx("sheet"))

        return post

    return side


@pytest.mark.parametrize("edit", ["add hour line", "add expense line", "delete line"])
def test_a_line_change_never_lands_in_a_sheet_submitted_meanwhile(
    app, people, work, make_timesheet, edit
):
    """The page was read while the sheet was a draft; the sheet was submitted since (another
    request); the change of its lines is refused, the submitted sheet stays as it was sent."""
    owner = people["owner"]
    sheet = make_timesheet(owner, work, status=DRAFT)
    stale = timesheets.get_sheet(sheet.company_id, owner, sheet.id)
    lines_before = len(stale.hour_lines), len(stale.expense_lines)
    with app.app_context():  # another request, with a session of its own, submits it
        actor = db.session.get(User, owner.id)
        flow.submit(
            actor.company_id, actor, timesheets.get_sheet(actor.company_id, actor, sheet.id)
        )
        db.session.commit()
    where = (work["project"].id, work["framing"].id)
    change = {
        "add hour line": lambda: timesheet_lines.save_hour_line(
            sheet.company_id,
            owner,
            stale,
            HourLineData(WEEK, *where, work["trade"].id, None, "2"),
        ),
        "add expense line": lambda: timesheet_lines.save_expense_line(
            sheet.company_id, owner, stale, ExpenseLineData(WEEK, *where, work["meal"].id, "15")
        ),
        "delete line": lambda: timesheet_lines.delete_line(
            sheet.company_id, owner, stale, stale.hour_lines[0]
        ),
    }[edit]
    with pytest.raises(TimesheetLockedError):
        change()
    db.session.rollback()
    db.session.expire_all()
    kept = db.session.get(Timesheet, sheet.id)
    assert kept.status == SUBMITTED
    assert (len(kept.hour_lines), len(kept.expense_lines)) == lines_before
