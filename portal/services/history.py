"""Historique: every sync run and every payroll batch of the company, newest first, filtered,
counted and paginated in the database (one UNION of both tables, then the page's rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.models import (
    BatchStatus,
    ExportBatch,
    Project,
    Reconciliation,
    ReconciliationStatus,
    RunStatus,
    SyncRun,
    SyncSection,
    Timesheet,
    User,
    db,
)
from portal.services.paging import PageNumbers
from portal.services.text import normalise_code

#: Rows per page of the history.
PER_PAGE = 50
SYNC, EXPORT = "sync", "export"
#: « Who » for the runs a schedule started.
SCHEDULER = "planification"


@dataclass(frozen=True)
class HistoryFilters:
    """What the history keeps; empty fields keep everything."""

    kind: str = ""
    section: SyncSection | None = None
    status: str = ""
    #: "" | SCHEDULER | a user id (as text, from the form)
    who: str = ""
    project: str = ""
    since: date | None = None
    until: date | None = None


def day_arg(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` of a query string, or None."""
    try:
        day = date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
    return day if day is not None and 1900 <= day.year <= 2999 else None


def id_arg(text: str) -> int | None:
    """A positive id of a query string (ASCII digits only), or None."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text or "") else None


def filters_from(args: Any) -> HistoryFilters:
    """The filters of a query string, each bounded; anything unreadable keeps everything."""
    kind = args.get("type", "")
    section = args.get("section", "")
    status = args.get("etat", "")
    statuses = {member.value for member in (*RunStatus, *BatchStatus)}
    who = args.get("qui", "")
    return HistoryFilters(
        kind=kind if kind in (SYNC, EXPORT) else "",
        section=SyncSection(section) if section in set(SyncSection) else None,
        status=status if status in statuses else "",
        who=who if who == SCHEDULER or id_arg(who) is not None else "",
        project=args.get("projet", "")[:30].strip(),
        since=day_arg(args.get("du", "")),
        until=day_arg(args.get("au", "")),
    )


@dataclass
class HistoryRow:
    kind: str
    run: SyncRun | None = None
    batch: ExportBatch | None = None
    #: The batch's newest finished Rapprochement, if any.
    reconciliation: Reconciliation | None = None
    #: Its sheets unfrozen since and not re-sent yet (« en correction »).
    in_correction: int = 0

    @property
    def at(self) -> datetime:
        return (self.run or self.batch).created_at


@dataclass
class HistoryPage(PageNumbers):
    rows: list[HistoryRow]
    total: int
    page: int
    per_page: int = PER_PAGE
    filters: HistoryFilters = field(default_factory=HistoryFilters)


def within_days(
    column: sa.ColumnElement, since: date | None, until: date | None, zone: ZoneInfo
) -> list[sa.ColumnElement]:
    """``column`` from the start of the local day ``since`` to the end of ``until`` (in the
    company's time zone); no condition for a bound not given."""
    conditions = []
    if since:
        conditions.append(column >= datetime.combine(since, time(), zone).astimezone(UTC))
    if until:
        end = datetime.combine(until + timedelta(days=1), time(), zone)
        conditions.append(column < end.astimezone(UTC))
    return conditions


def _runs(company_id: int, filters: HistoryFilters, zone: ZoneInfo) -> sa.Select | None:
    if filters.kind == EXPORT or (filters.status and filters.status not in set(RunStatus)):
        return None
    query = sa.select(
        sa.literal(SYNC).label("kind"), SyncRun.id.label("id"), SyncRun.created_at.label("at")
    ).where(
        SyncRun.company_id == company_id,
        *within_days(SyncRun.created_at, filters.since, filters.until, zone),
    )
    if filters.section is not None:
        query = query.where(SyncRun.section == filters.section)
    if filters.status:
        query = query.where(SyncRun.status == filters.status)
    if filters.who == SCHEDULER:
        query = query.where(SyncRun.schedule_id.is_not(None))
    elif filters.who:
        query = query.where(SyncRun.requested_by_id == int(filters.who))
    if filters.project:
        query = query.join(Project, Project.id == SyncRun.project_id).where(
            Project.company_id == company_id,
            Project.match_key == normalise_code(filters.project),
        )
    return query


def _batches(company_id: int, filters: HistoryFilters, zone: ZoneInfo) -> sa.Select | None:
    """Batches span projects and sections: a filter on either leaves them out."""
    if filters.kind == SYNC or filters.section or filters.project or filters.who == SCHEDULER:
        return None
    if filters.status and filters.status not in set(BatchStatus):
        return None
    query = sa.select(
        sa.literal(EXPORT).label("kind"),
        ExportBatch.id.label("id"),
        ExportBatch.created_at.label("at"),
    ).where(
        ExportBatch.company_id == company_id,
        *within_days(ExportBatch.created_at, filters.since, filters.until, zone),
    )
    if filters.status:
        query = query.where(ExportBatch.status == filters.status)
    if filters.who:
        query = query.where(ExportBatch.requested_by_id == int(filters.who))
    return query


def history_page(
    company_id: int,
    filters: HistoryFilters,
    zone: ZoneInfo,
    *,
    page: int = 1,
    with_runs: bool = True,
) -> HistoryPage:
    """A page of the history (``with_runs`` False: the payroll batches only, whatever the
    filters that only runs have)."""
    if not with_runs:
        who = "" if filters.who == SCHEDULER else filters.who
        filters = replace(filters, kind="", section=None, project="", who=who)
    parts = [
        part
        for part in (
            _runs(company_id, filters, zone) if with_runs else None,
            _batches(company_id, filters, zone),
        )
        if part is not None
    ]
    if not parts:
        return HistoryPage([], 0, 1, filters=filters)
    rows = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("history")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(rows))
    page = min(max(page, 1), max(1, ceil(total / PER_PAGE)))
    shown = db.session.execute(
        sa.select(rows.c.kind, rows.c.id)
        .order_by(rows.c.at.desc(), rows.c.kind, rows.c.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    run_ids = [row_id for kind, row_id in shown if kind == SYNC]
    batch_ids = [row_id for kind, row_id in shown if kind == EXPORT]
    runs = (
        {
            run.id: run
            for run in db.session.scalars(
                sa.select(SyncRun)
                .where(SyncRun.id.in_(run_ids))
                .options(joinedload(SyncRun.requested_by), joinedload(SyncRun.project))
            )
        }
        if run_ids
        else {}
    )
    batches = (
        {
            batch.id: batch
            for batch in db.session.scalars(
                sa.select(ExportBatch)
                .where(ExportBatch.id.in_(batch_ids))
                .options(joinedload(ExportBatch.requested_by))
            )
        }
        if batch_ids
        else {}
    )
    reconciled = _reconciliations(batch_ids)
    correcting = _in_correction(batch_ids)
    return HistoryPage(
        [
            HistoryRow(kind, run=runs.get(row_id))
            if kind == SYNC
            else HistoryRow(
                kind,
                batch=batches.get(row_id),
                reconciliation=reconciled.get(row_id),
                in_correction=correcting.get(row_id, 0),
            )
            for kind, row_id in shown
        ],
        total,
        page,
        filters=filters,
    )


def _reconciliations(batch_ids: list[int]) -> dict[int, Reconciliation]:
    """Batch id → its newest finished reconciliation (one query for the page)."""
    if not batch_ids:
        return {}
    newest = (
        sa.select(sa.func.max(Reconciliation.id))
        .where(
            Reconciliation.batch_id.in_(batch_ids),
            Reconciliation.status == ReconciliationStatus.DONE,
        )
        .group_by(Reconciliation.batch_id)
    )
    return {
        item.batch_id: item
        for item in db.session.scalars(
            sa.select(Reconciliation).where(Reconciliation.id.in_(newest))
        )
    }


def _in_correction(batch_ids: list[int]) -> dict[int, int]:
    """Batch id → how many of the sheets it last sent are in correction (one query)."""
    if not batch_ids:
        return {}
    rows = db.session.execute(
        sa.select(Timesheet.last_export_id, sa.func.count())
        .where(Timesheet.last_export_id.in_(batch_ids), Timesheet.in_correction)
        .group_by(Timesheet.last_export_id)
    )
    return dict(rows.all())


def starters(company_id: int) -> list[User]:
    """The people who started a run or sent a batch: the « who » filter's choices."""
    ids = sa.union(
        sa.select(SyncRun.requested_by_id).where(
            SyncRun.company_id == company_id, SyncRun.requested_by_id.is_not(None)
        ),
        sa.select(ExportBatch.requested_by_id).where(
            ExportBatch.company_id == company_id, ExportBatch.requested_by_id.is_not(None)
        ),
    ).subquery()
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.company_id == company_id, User.id.in_(sa.select(ids.c[0])))
            .order_by(User.name_sort, User.id)
        )
    )
