"""Preflight: the rules Avantage applies to each line at COMMIT_BATCH (docs/avantage-protocol.md,
"Rejections at COMMIT_BATCH"), checked against what the syncs last listed (RemoteRecord).

A batch Avantage would reject is stopped before it is sent. A section never synced cannot be
checked (nothing is known of it); it is said in a warning, like one synced too long ago.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.formatting import number
from portal.i18n import gettext as _
from portal.models import (
    BatchStatus,
    ExportBatch,
    ExportLine,
    Integration,
    RemoteRecord,
    SyncSection,
    db,
)
from portal.services import correction_plan, export_staleness
from portal.services.export_data import Plan, PlannedLine, Problem, keys_by_section

#: Most hours Avantage takes for one employee on one date, counting what is already posted.
MAX_DAY_HOURS = Decimal(24)
#: The company-wide sections, in the order the warnings list them.
COMPANY_SECTIONS = (
    SyncSection.EMPLOYEES,
    SyncSection.PROJECTS,
    SyncSection.TRADES,
    SyncSection.HOUR_TYPES,
    SyncSection.EARNINGS,
)
Day = tuple[str, str]


def check(integration: Integration, result: Plan, links: dict[SyncSection, dict[int, str]]) -> None:
    """Move every planned line Avantage would reject to ``result.errors`` (one reason per
    line, the first rule Avantage would apply) and list the stale sections."""
    if not result.lines:
        return
    local = {section: {key: id_ for id_, key in ids.items()} for section, ids in links.items()}
    rules = _Rules(
        _Known(integration, result.lines), local, _posted_hours(integration, result.lines)
    )
    planned, kept = result.lines, []
    for line in planned:
        problem = rules.admit(line)
        if problem is None:
            kept.append(line)
        else:
            result.errors.append(problem)
    result.lines = kept
    # From every planned line: stale knowledge matters most for the lines it blocked.
    result.stale = export_staleness.stale_sections(integration, planned, local)


class _Known:
    """The records these lines use as the syncs last listed them, and which sections (and
    projects' activities) were ever synced: an unsynced one is not checked."""

    def __init__(self, integration: Integration, lines: list[PlannedLine]) -> None:
        self.integration = integration
        wanted = keys_by_section(line.payload for line in lines)
        self.records = self._load(wanted)
        # The employee's own trade gives the rate when the line's trade has none for them.
        own = {data.get("trade") for data in self.records[SyncSection.EMPLOYEES].values()}
        missing = {code for code in own if isinstance(code, str)} - wanted[SyncSection.TRADES]
        if missing:
            self.records[SyncSection.TRADES].update(
                self._load({SyncSection.TRADES: missing})[SyncSection.TRADES]
            )
        projects = wanted[SyncSection.PROJECTS]
        self.synced = set(
            db.session.execute(
                sa.select(RemoteRecord.entity, RemoteRecord.scope)
                .where(
                    RemoteRecord.integration_id == integration.id,
                    sa.or_(
                        RemoteRecord.entity.in_(COMPANY_SECTIONS),
                        sa.and_(
                            RemoteRecord.entity == SyncSection.ACTIVITIES,
                            RemoteRecord.scope.in_(projects),
                        ),
                    ),
                )
                .distinct()
            ).all()
        )

    def _load(self, wanted: dict[SyncSection, set[str]]) -> dict[SyncSection, dict[str, dict]]:
        records: dict[SyncSection, dict[str, dict]] = defaultdict(dict)
        if not any(wanted.values()):
            return records  # only reversal lines: nothing of the syncs to check
        query = sa.select(RemoteRecord.entity, RemoteRecord.key, RemoteRecord.data).where(
            RemoteRecord.integration_id == self.integration.id,
            RemoteRecord.removed_at.is_(None),
            sa.or_(
                *(
                    sa.and_(RemoteRecord.entity == section, RemoteRecord.key.in_(sorted(keys)))
                    for section, keys in wanted.items()
                    if keys
                )
            ),
        )
        for entity, key, data in db.session.execute(query):
            records[entity][key] = data
        return records

    def is_synced(self, section: SyncSection, scope: str = "") -> bool:
        return (section, scope) in self.synced

    def get(self, section: SyncSection, key: Any) -> dict | None:
        return self.records[section].get(key)


def _posted_hours(integration: Integration, lines: list[PlannedLine]) -> dict[Day, Decimal]:
    """Hours this portal already got committed in Avantage for these employees and dates,
    net of the reversals committed and of those these lines make (SDK §5a: the 24-hour rule
    counts after the batch's reversals)."""
    hours_lines = [line.payload for line in lines if line.payload["kind"] == "hours"]
    if not hours_lines:
        return {}
    payload = ExportLine.payload
    reversed_now = sorted(line.reverses_line_id for line in lines if line.reverses_line_id)
    rows = db.session.execute(
        sa.select(ExportLine.employee, ExportLine.work_date, payload["hours"].as_string())
        .join(ExportBatch, ExportBatch.id == ExportLine.batch_id)
        .where(
            ExportLine.employee.in_(sorted({line["employee"] for line in hours_lines})),
            ExportLine.work_date.in_(sorted({line["date"] for line in hours_lines})),
            ExportBatch.integration_id == integration.id,
            ExportBatch.status == BatchStatus.COMMITTED,
            ExportLine.rejection_code.is_(None),
            payload["kind"].as_string() == "hours",
            ~correction_plan.reversed_in_avantage(),
            ExportLine.id.not_in(reversed_now),
        )
    )
    posted: dict[Day, Decimal] = defaultdict(Decimal)
    for key, date_text, hours in rows:
        posted[(key, date_text)] += Decimal(hours)
    return dict(posted)


def _day(line: PlannedLine) -> Day:
    return line.payload["employee"], line.payload["date"]


class _Rules:
    """Avantage's rules for one line at a time, in Avantage's order (the first broken one
    is the reason given); ``day_hours`` counts the lines let through so far."""

    #: The line being checked.
    line: PlannedLine

    def __init__(self, known: _Known, local, posted: dict[Day, Decimal]) -> None:
        self.known, self.local, self.posted = known, local, posted
        self.day_hours: dict[Day, Decimal] = defaultdict(Decimal, posted)

    def admit(self, line: PlannedLine) -> Problem | None:
        """The reason Avantage would reject the line, or None (then its hours count)."""
        self.line = line
        if line.is_reversal:
            return None  # Avantage checks the entry it names; correction_plan chose live ones
        problem = self._common() or (
            self._hours() if line.payload["kind"] == "hours" else self._earning()
        )
        if problem is None and line.payload["kind"] == "hours":
            self.day_hours[_day(line)] += Decimal(line.payload["hours"])
        return problem

    def _problem(self, message: str, fix: str, target_id: int | None) -> Problem:
        day = date.fromisoformat(self.line.payload["date"])
        return Problem(self.line.sheet, message, fix, target_id, day)

    def _local(self, section: SyncSection, key: str) -> int | None:
        return self.local.get(section, {}).get(key)

    def _common(self) -> Problem | None:
        known, payload, sheet = self.known, self.line.payload, self.line.sheet
        number, project = payload["employee"], payload["project"]
        employee = known.get(SyncSection.EMPLOYEES, number)
        if known.is_synced(SyncSection.EMPLOYEES) and employee is None:
            message = _("L'employé n° %(number)s n'existe pas dans Avantage.", number=number)
            return self._problem(message, "employee", sheet.employee_id)
        if employee is not None and not employee.get("active", True):
            message = _(
                "L'employé n° %(number)s est inactif dans Avantage : ses lignes seraient "
                "refusées. Réactivez-le dans Avantage, puis synchronisez les Employés.",
                number=number,
            )
            return self._problem(message, "employee", sheet.employee_id)
        project_id = self._local(SyncSection.PROJECTS, project)
        record = known.get(SyncSection.PROJECTS, project)
        if known.is_synced(SyncSection.PROJECTS) and record is None:
            message = _("Le projet %(number)s n'existe pas dans Avantage.", number=project)
            return self._problem(message, "project", project_id)
        if record is not None and record.get("status") == "closed":
            message = _(
                "Le projet %(number)s est fermé dans Avantage : il n'accepte plus d'heures ni "
                "de dépenses.",
                number=project,
            )
            return self._problem(message, "project", project_id)
        activity = f"{project}|{payload['activity']}"
        if known.is_synced(SyncSection.ACTIVITIES, project) and not known.get(
            SyncSection.ACTIVITIES, activity
        ):
            message = _(
                "L'activité %(code)s n'existe pas dans le projet %(number)s d'Avantage.",
                code=payload["activity"],
                number=project,
            )
            return self._problem(message, "activity", project_id)
        return None

    def _hours(self) -> Problem | None:
        known, payload = self.known, self.line.payload
        code, hour_type = payload["trade"], payload["hour_type"]
        trade = known.get(SyncSection.TRADES, code)
        if known.is_synced(SyncSection.TRADES) and trade is None:
            message = _("Le métier %(code)s n'existe pas dans Avantage.", code=code)
            return self._problem(message, "trade", self._local(SyncSection.TRADES, code))
        if known.is_synced(SyncSection.HOUR_TYPES) and not known.get(
            SyncSection.HOUR_TYPES, hour_type
        ):
            message = _("Le type d'heures %(code)s n'existe pas dans Avantage.", code=hour_type)
            target = self._local(SyncSection.HOUR_TYPES, hour_type)
            return self._problem(message, "hour_type", target)
        hours = Decimal(payload["hours"])
        if hours <= 0:
            return self._problem(_zero_hours(payload["hours"]), "sheet", self.line.sheet.id)
        day = _day(self.line)
        if self.day_hours[day] + hours > MAX_DAY_HOURS:
            return self._problem(self._too_many(day, hours), "sheet", self.line.sheet.id)
        return self._rate(trade, code)

    def _too_many(self, day: Day, hours: Decimal) -> str:
        total = number(self.day_hours[day] + hours)
        if self.posted.get(day):
            return _(
                "Plus de 24 heures ce jour-là pour cet employé : %(total)s h, en comptant "
                "%(sent)s h déjà envoyées à Avantage.",
                total=total,
                sent=number(self.posted[day]),
            )
        return _(
            "Plus de 24 heures ce jour-là pour cet employé : %(total)s h sur les feuilles "
            "choisies.",
            total=total,
        )

    def _rate(self, trade: dict | None, code: str) -> Problem | None:
        """Avantage prices hours at the line's trade rate for the employee's competency, else
        at their own trade's: with neither, it rejects the line (UNKNOWN_TRADE)."""
        employee = self.known.get(SyncSection.EMPLOYEES, self.line.payload["employee"]) or {}
        competency = employee.get("competency")
        if trade is None or not competency:
            return None
        own = self.known.get(SyncSection.TRADES, employee.get("trade")) or {}
        if (trade.get("rates") or {}).get(competency) or (own.get("rates") or {}).get(competency):
            return None
        message = _(
            "Le métier %(code)s n'a aucun taux %(competency)s dans Avantage, ni le métier de "
            "l'employé : Avantage refuserait la ligne.",
            code=code,
            competency=competency,
        )
        return self._problem(message, "trade", self._local(SyncSection.TRADES, code))

    def _earning(self) -> Problem | None:
        payload, code = self.line.payload, self.line.payload["earning"]
        if self.known.is_synced(SyncSection.EARNINGS) and not self.known.get(
            SyncSection.EARNINGS, code
        ):
            message = _("Le gain %(code)s n'existe pas dans Avantage.", code=code)
            return self._problem(message, "earning", self._local(SyncSection.EARNINGS, code))
        if "hours" in payload and Decimal(payload["hours"]) <= 0:
            return self._problem(_zero_hours(payload["hours"]), "sheet", self.line.sheet.id)
        return None


def _zero_hours(hours: str) -> str:
    return _(
        "Heures invalides (%(hours)s) : Avantage n'accepte que des heures supérieures à zéro.",
        hours=hours,
    )
