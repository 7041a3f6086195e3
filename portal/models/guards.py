"""Invariants enforced at flush time, whatever code path changed the objects."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.errors import TimesheetLockedError
from portal.models.enums import TimesheetStatus
from portal.models.timesheet import ExpenseLine, HourLine, Timesheet


def _persisted_status(sheet: Timesheet) -> TimesheetStatus | None:
    """The status as stored in the database, before any change pending in this session."""
    history = sa.inspect(sheet).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None  # a new sheet


def _sheet_of(session: Session, line: HourLine | ExpenseLine) -> Timesheet | None:
    if line.timesheet is not None:
        return line.timesheet
    if line.timesheet_id is not None:
        return session.get(Timesheet, line.timesheet_id)
    return None


@event.listens_for(Session, "before_flush")
def refuse_changes_to_frozen_timesheets(session: Session, flush_context, instances) -> None:
    """A frozen (Gelée) sheet and its lines are never written again, by any code path."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, HourLine | ExpenseLine):
            sheet = _sheet_of(session, obj)
            if sheet is not None and _persisted_status(sheet) == TimesheetStatus.FROZEN:
                raise TimesheetLockedError()
        elif (
            isinstance(obj, Timesheet)
            and _persisted_status(obj) == TimesheetStatus.FROZEN
            and (obj in session.deleted or session.is_modified(obj, include_collections=False))
        ):
            raise TimesheetLockedError()
