"""The payroll export's freeze against a reviewer's transition sent at the same instant.

A reviewer opened the sheet before it went into a batch; the batch commits in Avantage and
freezes it while the reviewer clicks: the reviewer's change must never land.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.avantage import BatchResult
from portal.errors import ConflictError, TimesheetLockedError
from portal.extensions import db
from portal.models import AuditEvent, ExportBatch, Timesheet, TimesheetStatus, User
from portal.services import export, export_batch, export_run, timesheet_status, timesheets
from tests.fixtures.export_world import MONDAY
from tests.timesheets.concurrency import WON, race

ROUNDS = 10
REASON = "Il manque les heures du vendredi."
#: The reviewer's transition racing the batch, and the role that may apply it.
MANUAL = {"reject": "validator", "freeze": "ts_admin"}


def manual(action: str, user_id: int, sheet_id: int):
    """A side that opens the sheet (not yet in a batch), then applies ``action`` to it."""

    def side():
        actor = db.session.get(User, user_id)
        sheet = timesheets.get_sheet(actor.company_id, actor, sheet_id)
        if action == "reject":
            return lambda: timesheet_status.reject(actor.company_id, actor, sheet, REASON)
        return lambda: timesheet_status.freeze(actor.company_id, actor, sheet)

    return side


def committed_in_avantage(batch_ids: list[int]):
    """A side that records the batch as Avantage committed it (the worker's last step)."""

    def side():
        def record() -> None:
            batch = db.session.get(ExportBatch, batch_ids[0])
            export_run.record(batch, BatchResult(batch="AV-7", state="committed", accepted=1))

        return record

    return side


def events(sheet_id: int) -> list[tuple[str, int]]:
    return list(
        db.session.execute(
            db.select(AuditEvent.action, AuditEvent.user_id)
            .where(AuditEvent.target_type == "Timesheet", AuditEvent.target_id == sheet_id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize("action", MANUAL)
def test_the_payroll_freeze_wins_over_a_transition_sent_at_the_same_instant(
    app, world, make_user, action
):
    reviewer = make_user(MANUAL[action], employee_number="9100")
    admin = world.admin
    problems = {}
    for number in range(ROUNDS):
        sheet = world.sheet(world.employees["1002"], week=MONDAY + timedelta(weeks=number))
        batch_ids: list[int] = []

        def into_a_batch(sheet_id: int = sheet.id, batch_ids: list[int] = batch_ids) -> None:
            batch, _ = export_batch.create_batch(
                admin.company_id,
                admin,
                world.integration,
                export.get_sheets(admin.company_id, [sheet_id]),
                confirm_resend=False,
            )
            db.session.commit()
            batch_ids.append(batch.id)

        racers = [manual(action, reviewer.id, sheet.id), committed_in_avantage(batch_ids)]
        refused, recorded = race(app, racers, between=into_a_batch)
        stored = db.session.get(Timesheet, sheet.id)
        found = []
        if recorded != WON or not isinstance(refused, ConflictError | TimesheetLockedError):
            found.append(f"outcomes {refused!r}, {recorded!r}")
        state = (stored.status, stored.frozen_by_id, stored.export_lock_id, stored.last_export_id)
        if state != (TimesheetStatus.FROZEN, admin.id, None, batch_ids[0]):
            found.append(f"stored {state}, rejection {stored.rejection_reason!r}")
        if events(sheet.id) != [("timesheet.freeze", admin.id)]:
            found.append(f"audit trail {events(sheet.id)}")
        if found:
            problems[number] = found
    assert not problems, f"{len(problems)} of {ROUNDS} rounds went wrong: {problems}"


def test_a_batch_never_takes_a_sheet_rejected_since_it_was_selected(app, world, make_user):
    reviewer = make_user("validator", employee_number="9100")
    sheet = world.sheet(world.employees["1002"])
    selected = export.get_sheets(world.admin.company_id, [sheet.id])
    with app.app_context():  # another request, with a session of its own, rejects it
        actor = db.session.get(User, reviewer.id)
        opened = timesheets.get_sheet(actor.company_id, actor, sheet.id)
        timesheet_status.reject(actor.company_id, actor, opened, REASON)
        db.session.commit()
    with pytest.raises(ConflictError):
        export_batch.create_batch(
            world.admin.company_id,
            world.admin,
            world.integration,
            selected,
            confirm_resend=False,
        )
