"""Invariants enforced at flush time, whatever code path changed the objects.

Core ``UPDATE`` statements never reach these flush events, so the ones that write a sheet
carry the invariant in their WHERE clause: a status transition matches only the status the
request read, which is never Gelée (services/timesheet_status.py); the export freezes only
Validée sheets and otherwise writes only ``EXPORT_BOOKKEEPING`` (services/export_*.py).
They refresh or expire the objects they changed, so this guard judges any later write of
the same session against the status now stored.
"""

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


#: What the export may still record on a frozen sheet: which batch sends it, and the last
#: one Avantage accepted. Nothing about the hours themselves.
EXPORT_BOOKKEEPING = frozenset({"export_lock_id", "last_export_id", "updated_at"})


def _changed_attributes(obj: Timesheet) -> set[str]:
    state = sa.inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


@event.listens_for(Session, "before_flush")
def refuse_changes_to_frozen_timesheets(session: Session, flush_context, instances) -> None:
    """A frozen (Gelée) sheet and its lines are never written again, by any code path."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, HourLine | ExpenseLine):
            sheet = _sheet_of(session, obj)
            if sheet is not None and _persisted_status(sheet) == TimesheetStatus.FROZEN:
                raise TimesheetLockedError()
        elif isinstance(obj, Timesheet) and _persisted_status(obj) == TimesheetStatus.FROZEN:
            if obj in session.deleted:
                raise TimesheetLockedError()
            changed = _changed_attributes(obj) - {"export_lock", "last_export"}
            if changed - EXPORT_BOOKKEEPING:
                raise TimesheetLockedError()
