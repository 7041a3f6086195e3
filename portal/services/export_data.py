"""What an export plan is made of (lines, problems, stale sections) and the rows it reads,
each loaded in one query for the whole selection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.models import (
    Activity,
    ExpenseType,
    HourType,
    Integration,
    Project,
    RecordLink,
    SyncSection,
    Timesheet,
    Trade,
    db,
)


@dataclass
class Problem:
    """A reason a sheet (or one of its lines) cannot be sent, and where to fix it."""

    sheet: Timesheet
    message: str
    #: employee | project | activity | trade | hour_type | earning | sheet | batch | resend
    fix: str
    target_id: int | None = None
    #: The day of the line concerned (None: the whole sheet).
    work_date: date | None = None


@dataclass
class StaleSection:
    """A section the preflight relies on, synced too long ago (or never): a warning only."""

    section: SyncSection
    label: str
    #: When its last successful sync ended (None: never synced).
    synced_at: datetime | None
    #: The portal project, for the per-project Activités.
    project_id: int | None = None


@dataclass
class PlannedLine:
    sheet: Timesheet
    payload: dict[str, Any]
    hour_line_id: int | None = None
    expense_line_id: int | None = None
    #: A reversal line's original (services/correction_plan.py): its row and its payload.
    reverses_line_id: int | None = None
    reversed_payload: dict[str, Any] | None = None

    @property
    def is_reversal(self) -> bool:
        return self.payload["kind"] == "reversal"

    @property
    def hours(self) -> Decimal:
        """The hours the line adds to Avantage's (negative for a reversal of hours)."""
        if self.is_reversal:
            original = self.reversed_payload or {}
            return -Decimal(original["hours"]) if original.get("kind") == "hours" else Decimal(0)
        return Decimal(self.payload["hours"]) if self.payload["kind"] == "hours" else Decimal(0)


@dataclass
class Plan:
    sheets: list[Timesheet]
    lines: list[PlannedLine] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    stale: list[StaleSection] = field(default_factory=list)
    #: Per corrected sheet, what its send reverses and adds (services/correction_plan.py).
    corrections: dict[int, Any] = field(default_factory=dict)

    @property
    def hours(self) -> Decimal:
        """The hours the batch adds to Avantage's, net of its reversals."""
        return sum((line.hours for line in self.lines), Decimal("0.00"))

    @property
    def left_out(self) -> list[tuple[Timesheet, list[Problem]]]:
        """The sheets with at least one blocking line, each with its problems."""
        problems: dict[int, list[Problem]] = defaultdict(list)
        for problem in self.errors:
            problems[problem.sheet.id].append(problem)
        return [(sheet, problems[sheet.id]) for sheet in self.sheets if sheet.id in problems]

    @property
    def ready_sheets(self) -> list[Timesheet]:
        """The sheets with no blocking line (Envoyer les feuilles prêtes)."""
        blocked = {problem.sheet.id for problem in self.errors}
        return [sheet for sheet in self.sheets if sheet.id not in blocked]

    def ready_only(self) -> Plan:
        """This plan restricted to its ready sheets: dropping a sheet never blocks another."""
        ids = {sheet.id for sheet in self.ready_sheets}
        return Plan(
            sheets=self.ready_sheets,
            lines=[line for line in self.lines if line.sheet.id in ids],
            warnings=[problem for problem in self.warnings if problem.sheet.id in ids],
            stale=self.stale,
            corrections={key: value for key, value in self.corrections.items() if key in ids},
        )


def record_links(integration: Integration) -> dict[SyncSection, dict[int, str]]:
    """Portal id → Avantage key, per section, for the integration's linked records."""
    links: dict[SyncSection, dict[int, str]] = defaultdict(dict)
    rows = db.session.execute(
        sa.select(RecordLink.entity, RecordLink.local_id, RecordLink.remote_key).where(
            RecordLink.integration_id == integration.id, RecordLink.local_id.is_not(None)
        )
    )
    for entity, local_id, remote_key in rows:
        links[entity][local_id] = remote_key
    return links


class Names:
    """The codes and names an error message quotes, looked up once per plan."""

    def __init__(self, company_id: int) -> None:
        def by_id(model, *columns):
            return {
                row[0]: row[1:]
                for row in db.session.execute(
                    sa.select(model.id, *columns).where(model.company_id == company_id)
                )
            }

        self.projects = by_id(Project, Project.number)
        self.activities = by_id(Activity, Activity.code)
        self.trades = by_id(Trade, Trade.code)
        self.hour_types = by_id(HourType, HourType.name)
        self.expense_types = by_id(ExpenseType, ExpenseType.name, ExpenseType.kind)


def line_rows(model, sheet_ids: list[int], *columns) -> dict[int, list]:
    """The lines of these sheets as plain rows, in date order (no ORM objects: a batch can
    hold tens of thousands)."""
    rows = defaultdict(list)
    query = (
        sa.select(
            model.timesheet_id,
            model.id,
            model.work_date,
            model.project_id,
            model.activity_id,
            *columns,
        )
        .where(model.timesheet_id.in_(sheet_ids))
        .order_by(model.work_date, model.id)
    )
    for row in db.session.execute(query):
        rows[row.timesheet_id].append(row)
    return rows


def keys_by_section(payloads: Iterable[dict[str, Any]]) -> dict[SyncSection, set[str]]:
    """The Avantage keys export lines carry, per section that defines them (an activity's key
    is « project|activity », as the Activités sync stores it)."""
    wanted: dict[SyncSection, set[str]] = defaultdict(set)
    for payload in payloads:
        if payload["kind"] == "reversal":
            continue  # Avantage reverses its own entry, whatever the records are now
        wanted[SyncSection.EMPLOYEES].add(payload["employee"])
        wanted[SyncSection.PROJECTS].add(payload["project"])
        wanted[SyncSection.ACTIVITIES].add(f"{payload['project']}|{payload['activity']}")
        if payload["kind"] == "hours":
            wanted[SyncSection.TRADES].add(payload["trade"])
            wanted[SyncSection.HOUR_TYPES].add(payload["hour_type"])
        else:
            wanted[SyncSection.EARNINGS].add(payload["earning"])
    return wanted
