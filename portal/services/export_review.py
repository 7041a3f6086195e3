"""What a payroll clerk reads of an export: each line with the names beside its codes and
its value with its unit, totals per employee and per hour type (or earning), and the
problems grouped by cause.

Preview and batch lines both carry the Avantage keys they are (or were) sent with; the
portal names those keys through the integration's links (one link per key, both ways), so a
line reads the same in the Aperçu, on the batch page and in the CSV. Names are looked up a
few queries per chunk of lines, never one per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.formatting import collation_key
from portal.models import (
    Activity,
    ExpenseType,
    HourType,
    Project,
    RecordLink,
    SyncSection,
    Trade,
    User,
    db,
)
from portal.services.export_data import Plan, Problem, keys_by_section

#: Keys per IN (…) list: well under every database's limit on bound parameters.
KEYS_PER_QUERY = 500
#: The payload field holding an earning line's value, and what it is.
EARNING_VALUES = (("amount", "amount"), ("quantity", "quantity"), ("hours", "bonus_hours"))

#: What each section's keys name, and the columns read for it.
_NAMED = {
    SyncSection.EMPLOYEES: (User, (User.first_name, User.last_name)),
    SyncSection.PROJECTS: (Project, (Project.name,)),
    SyncSection.ACTIVITIES: (Activity, (Activity.name,)),
    SyncSection.TRADES: (Trade, (Trade.name,)),
    SyncSection.HOUR_TYPES: (HourType, (HourType.name,)),
    SyncSection.EARNINGS: (ExpenseType, (ExpenseType.name, ExpenseType.unit)),
}


@dataclass
class ReadableLine:
    """One export line as the office reads it."""

    sheet_id: int
    employee: str
    employee_name: str
    day: date
    project: str
    project_name: str
    activity: str
    activity_name: str
    trade: str
    trade_name: str
    #: The hour type's or the earning's Avantage code, and its portal name.
    type_code: str
    type_name: str
    #: hours | amount | quantity | bonus_hours
    kind: str
    value: Decimal
    #: The quantity's unit (« km »), as its expense type declares it.
    unit: str = ""
    line_no: int | None = None
    rejection_code: str | None = None
    rejection_message: str | None = None
    #: A reversal line: the batch and line it cancels (its other fields are the original's,
    #: its value negated).
    reverses_batch: str | None = None
    reverses_line: int | None = None

    @property
    def is_hours(self) -> bool:
        return self.kind == "hours"


class Labels:
    """The portal's names of the Avantage keys lines carry, learnt chunk by chunk."""

    def __init__(self, integration_id: int) -> None:
        self.integration_id = integration_id
        self.names: dict[SyncSection, dict[str, tuple]] = defaultdict(dict)

    def learn(self, payloads: Iterable[dict[str, Any]]) -> None:
        """Look up, a few queries in all, the keys of ``payloads`` not known yet."""
        wanted = keys_by_section(payloads)
        for section, keys in wanted.items():
            unknown = sorted(keys - self.names[section].keys())
            for start in range(0, len(unknown), KEYS_PER_QUERY):
                self._load(section, unknown[start : start + KEYS_PER_QUERY])

    def _load(self, section: SyncSection, keys: list[str]) -> None:
        model, columns = _NAMED[section]
        rows = db.session.execute(
            sa.select(RecordLink.remote_key, *columns)
            .join(model, model.id == RecordLink.local_id)
            .where(
                RecordLink.integration_id == self.integration_id,
                RecordLink.entity == section,
                RecordLink.remote_key.in_(keys),
                model.company_id == RecordLink.company_id,
            )
        )
        known = self.names[section]
        for key in keys:
            known[key] = ()
        for key, *values in rows:
            known[key] = tuple(values)

    def _name(self, section: SyncSection, key: str) -> str:
        values = self.names[section].get(key) or ("",)
        if section == SyncSection.EMPLOYEES and len(values) == 2:
            return f"{values[0]} {values[1]}".strip()
        return values[0] or ""

    def readable(
        self,
        sheet_id: int,
        payload: dict[str, Any],
        original: dict[str, Any] | None = None,
        **extra: Any,
    ) -> ReadableLine:
        """The line of ``payload`` (its keys learnt) as the office reads it; a reversal
        reads as its ``original`` with the value negated."""
        if payload["kind"] == "reversal":
            line = self.readable(sheet_id, original or {}, **extra)
            line.value = -line.value
            line.reverses_batch, line.reverses_line = payload["batch"], payload["reverses"]
            return line
        project, activity = payload["project"], payload["activity"]
        common = {
            "sheet_id": sheet_id,
            "employee": payload["employee"],
            "employee_name": self._name(SyncSection.EMPLOYEES, payload["employee"]),
            "day": date.fromisoformat(payload["date"]),
            "project": project,
            "project_name": self._name(SyncSection.PROJECTS, project),
            "activity": activity,
            "activity_name": self._name(SyncSection.ACTIVITIES, f"{project}|{activity}"),
            **extra,
        }
        if payload["kind"] == "hours":
            return ReadableLine(
                **common,
                trade=payload["trade"],
                trade_name=self._name(SyncSection.TRADES, payload["trade"]),
                type_code=payload["hour_type"],
                type_name=self._name(SyncSection.HOUR_TYPES, payload["hour_type"]),
                kind="hours",
                value=Decimal(payload["hours"]),
            )
        earning = payload["earning"]
        field_name, kind = next((f, k) for f, k in EARNING_VALUES if f in payload)
        known = self.names[SyncSection.EARNINGS].get(earning) or ("", None)
        return ReadableLine(
            **common,
            trade="",
            trade_name="",
            type_code=earning,
            type_name=self._name(SyncSection.EARNINGS, earning),
            kind=kind,
            value=Decimal(payload[field_name]),
            unit=(known[1] or "") if kind == "quantity" else "",
        )


@dataclass
class EmployeeTotal:
    employee: str
    name: str
    lines: int = 0
    hours: Decimal = Decimal("0.00")
    #: Expense and bonus amounts, in dollars.
    amount: Decimal = Decimal("0.00")


@dataclass
class TypeTotal:
    code: str
    name: str
    kind: str
    unit: str = ""
    lines: int = 0
    value: Decimal = Decimal("0.00")


@dataclass
class Totals:
    """Sums of a selection of lines, per employee and per hour type or earning."""

    by_employee: dict[str, EmployeeTotal] = field(default_factory=dict)
    by_type: dict[tuple[str, str], TypeTotal] = field(default_factory=dict)
    lines: int = 0
    hours: Decimal = Decimal("0.00")

    def add(self, line: ReadableLine) -> None:
        self.lines += 1
        person = self.by_employee.setdefault(
            line.employee, EmployeeTotal(line.employee, line.employee_name)
        )
        person.lines += 1
        if line.is_hours:
            person.hours += line.value
            self.hours += line.value
        elif line.kind == "amount":
            person.amount += line.value
        kind = "hours" if line.is_hours else "earning"
        total = self.by_type.setdefault(
            (kind, line.type_code), TypeTotal(line.type_code, line.type_name, line.kind, line.unit)
        )
        total.lines += 1
        total.value += line.value

    @property
    def employees(self) -> list[EmployeeTotal]:
        """Per employee, in the reader's alphabetical order of their names."""
        return sorted(self.by_employee.values(), key=lambda t: (collation_key(t.name), t.employee))

    @property
    def types(self) -> list[TypeTotal]:
        """Hour types first, then earnings, each by code."""
        return [
            self.by_type[key] for key in sorted(self.by_type, key=lambda k: (k[0] != "hours", k))
        ]


@dataclass
class ProblemGroup:
    """Problems with one cause: one message, one fix, the lines (or sheets) concerned."""

    message: str
    fix: str
    target_id: int | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def first(self) -> Problem:
        return self.problems[0]


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """``problems`` grouped by cause (same message, same fix), in the order first seen."""
    groups: dict[tuple, ProblemGroup] = {}
    for problem in problems:
        key = (str(problem.message), problem.fix, problem.target_id)
        if key not in groups:
            groups[key] = ProblemGroup(str(problem.message), problem.fix, problem.target_id)
        groups[key].problems.append(problem)
    return list(groups.values())


#: Lines the Aperçu lists (its totals and the CSV count them all).
PREVIEW_LINES = 500


@dataclass
class PlanReview:
    """What the Aperçu shows of a plan: the first lines as read, totals, grouped problems."""

    lines: list[ReadableLine]
    totals: Totals
    errors: list[ProblemGroup]
    warnings: list[ProblemGroup]


def review_plan(integration_id: int, plan: Plan) -> PlanReview:
    """The plan's lines with their names (looked up once), totals and problems by cause."""
    labels = Labels(integration_id)
    labels.learn(line.reversed_payload or line.payload for line in plan.lines)
    totals, shown = Totals(), []
    for planned in plan.lines:
        line = labels.readable(planned.sheet.id, planned.payload, planned.reversed_payload)
        totals.add(line)
        if len(shown) < PREVIEW_LINES:
            shown.append(line)
    return PlanReview(shown, totals, group_problems(plan.errors), group_problems(plan.warnings))
