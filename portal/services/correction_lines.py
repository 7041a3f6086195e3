"""A sheet's lines as people read them, kept with a revision when the sheet is unfrozen, and
the line-by-line difference between that frozen original and the sheet as corrected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.models import (
    ExpenseKind,
    ExpenseLine,
    HourLine,
    Timesheet,
    TimesheetRevision,
    db,
)

#: What a described line holds besides its id; two lines are the same when these are.
COMPARED = ("kind", "date", "project", "activity", "what", "value", "value_kind", "unit")


def describe(sheet: Timesheet) -> list[dict[str, Any]]:
    """The sheet's lines, hours then expenses, each as text and a value (two queries)."""
    hours = db.session.scalars(
        sa.select(HourLine)
        .where(HourLine.timesheet_id == sheet.id)
        .options(
            selectinload(HourLine.project),
            selectinload(HourLine.activity),
            selectinload(HourLine.trade),
            selectinload(HourLine.hour_type),
        )
        .order_by(HourLine.work_date, HourLine.id)
    ).all()
    expenses = db.session.scalars(
        sa.select(ExpenseLine)
        .where(ExpenseLine.timesheet_id == sheet.id)
        .options(
            selectinload(ExpenseLine.project),
            selectinload(ExpenseLine.activity),
            selectinload(ExpenseLine.expense_type),
        )
        .order_by(ExpenseLine.work_date, ExpenseLine.id)
    ).all()
    lines = [
        {
            "id": f"h{line.id}",
            "kind": "hours",
            "date": line.work_date.isoformat(),
            "project": f"{line.project.number} — {line.project.name}",
            "activity": f"{line.activity.code} — {line.activity.name}",
            "what": line.trade.code
            + (f" · {line.hour_type.name}" if line.hour_type is not None else ""),
            "value": f"{line.hours:.2f}",
            "value_kind": "hours",
            "unit": None,
        }
        for line in hours
    ]
    for line in expenses:
        kind = line.expense_type.kind
        lines.append(
            {
                "id": f"e{line.id}",
                "kind": "expense",
                "date": line.work_date.isoformat(),
                "project": f"{line.project.number} — {line.project.name}",
                "activity": f"{line.activity.code} — {line.activity.name}",
                "what": line.expense_type.name,
                "value": f"{line.value:.2f}" if line.value is not None else "",
                "value_kind": {
                    ExpenseKind.AMOUNT: "amount",
                    ExpenseKind.QUANTITY: "quantity",
                    ExpenseKind.HOURS: "hours",
                }[kind],
                "unit": line.expense_type.unit,
            }
        )
    return lines


@dataclass(frozen=True)
class LineChange:
    """One row of the difference: ``state`` is same, changed, added or removed."""

    state: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def changed_fields(self) -> set[str]:
        if self.before is None or self.after is None:
            return set()
        return {name for name in COMPARED if self.before.get(name) != self.after.get(name)}


def difference(original: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[LineChange]:
    """Line by line, by line identity (an edited line keeps its id): the original's lines in
    their order, each same, changed or removed, then the lines added since."""
    now = {line["id"]: line for line in current}
    changes = []
    for before in original:
        after = now.pop(before["id"], None)
        if after is None:
            state = "removed"
        elif all(before.get(name) == after.get(name) for name in COMPARED):
            state = "same"
        else:
            state = "changed"
        changes.append(LineChange(state, _dated(before), _dated(after)))
    changes += [LineChange("added", None, _dated(line)) for line in now.values()]
    return changes


def _dated(line: dict[str, Any] | None) -> dict[str, Any] | None:
    """The line with its day as a date, for the page (JSON keeps it as text)."""
    return None if line is None else {**line, "date": date.fromisoformat(line["date"])}


def revisions(sheet: Timesheet) -> list[TimesheetRevision]:
    """The sheet's revisions, the latest first (one query)."""
    if sheet.id is None or not sheet.revision:
        return []
    return list(
        db.session.scalars(
            sa.select(TimesheetRevision)
            .where(
                TimesheetRevision.timesheet_id == sheet.id,
                TimesheetRevision.company_id == sheet.company_id,
            )
            .options(
                selectinload(TimesheetRevision.unfrozen_by),
                selectinload(TimesheetRevision.replaces_batch),
                selectinload(TimesheetRevision.sent_batch),
            )
            .order_by(TimesheetRevision.number.desc())
        )
    )


@dataclass(frozen=True)
class CorrectionView:
    """What the sheet page shows of its corrections: the revisions, the latest one's frozen
    original and its difference with the sheet now."""

    revisions: list[TimesheetRevision]
    changes: list[LineChange]

    @property
    def latest(self) -> TimesheetRevision:
        return self.revisions[0]

    @property
    def changed(self) -> int:
        return sum(1 for change in self.changes if change.state != "same")


def correction_view(sheet: Timesheet) -> CorrectionView | None:
    """None for a sheet never unfrozen."""
    found = revisions(sheet)
    if not found:
        return None
    return CorrectionView(found, difference(found[0].original, describe(sheet)))
