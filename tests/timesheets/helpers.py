"""Helpers of the timesheet tests: the week they work in, htmx headers, toasts, URLs."""

from __future__ import annotations

import json
from datetime import date

from portal.extensions import db
from portal.models import Timesheet, TimesheetStatus, User

#: The statuses, by their short names.
DRAFT, SUBMITTED, VALIDATED, REJECTED, FROZEN = (
    TimesheetStatus.DRAFT,
    TimesheetStatus.SUBMITTED,
    TimesheetStatus.VALIDATED,
    TimesheetStatus.REJECTED,
    TimesheetStatus.FROZEN,
)

#: The week the tests work in (a Monday).
WEEK = date(2026, 11, 23)


def hx(target: str | None = None) -> dict:
    """The headers htmx sends for a request aimed at the element ``target``."""
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return headers


def toast(response) -> dict:
    """The toast a response carries in its HX-Trigger header."""
    return json.loads(response.headers["HX-Trigger"])["toast"]


def week_url(employee: User, monday: date = WEEK) -> str:
    return f"/feuilles-de-temps/employes/{employee.id}/{monday.isoformat()}"


def reload(sheet: Timesheet) -> Timesheet:
    """The sheet as stored (forgets what this session holds)."""
    db.session.expire_all()
    return db.session.get(Timesheet, sheet.id)
