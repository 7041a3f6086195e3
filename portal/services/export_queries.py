"""What the Exportation vers la paie screens list: sendable sheets, batches, and the sheets
of a rejected batch that can go again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, joinedload

from portal.errors import NotFoundError
from portal.models import (
    ExpenseLine,
    ExportBatch,
    ExportLine,
    HourLine,
    Integration,
    PartnerType,
    Timesheet,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import get_in_company
from portal.services.export import SENDABLE
from portal.services.timesheets import week_start_of


def avantage_integrations(company_id: int) -> list[Integration]:
    return list(
        db.session.scalars(
            db.select(Integration)
            .where(
                Integration.company_id == company_id,
                Integration.partner_type == PartnerType.AVANTAGE,
            )
            .order_by(Integration.external_id)
        )
    )


def pay_period(week: date | None, week_to: date | None) -> tuple[date, date] | None:
    """The first and last days (a Monday, a Sunday) of a pay period: one week when one day
    is given, the weeks from one day's to the other's (in either order); None without a day."""
    if week is None and week_to is None:
        return None
    first, last = sorted(week_start_of(day) for day in (week or week_to, week_to or week))
    return first, last + min(timedelta(days=6), date.max - last)


def sendable_sheets(
    company_id: int,
    *,
    week: date | None = None,
    week_to: date | None = None,
    project_id: int | None = None,
    employee_id: int | None = None,
    status: TimesheetStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Pagination:
    """Validated and frozen sheets, newest week first, filtered; ``week`` alone is one pay
    period, ``week`` to ``week_to`` a range of them (either order)."""
    statuses = [status] if status in SENDABLE else list(SENDABLE)
    query = (
        db.select(Timesheet)
        .join(User, User.id == Timesheet.employee_id)
        .where(Timesheet.company_id == company_id, Timesheet.status.in_(statuses))
        .options(
            contains_eager(Timesheet.employee),
            joinedload(Timesheet.last_export).joinedload(ExportBatch.requested_by),
        )
    )
    weeks = pay_period(week, week_to)
    if weeks is not None:
        query = query.where(Timesheet.week_start.between(*weeks))
    if employee_id is not None:
        query = query.where(Timesheet.employee_id == employee_id)
    if project_id is not None:
        query = query.where(
            Timesheet.id.in_(
                db.select(HourLine.timesheet_id)
                .where(HourLine.project_id == project_id)
                .union(
                    db.select(ExpenseLine.timesheet_id).where(ExpenseLine.project_id == project_id)
                )
            )
        )
    query = query.order_by(Timesheet.week_start.desc(), User.name_sort, Timesheet.id)
    return db.paginate(query, page=min(max(page, 1), 100_000), per_page=per_page, error_out=False)


def sheet_hours(sheet_ids: list[int]) -> dict[int, Decimal]:
    """The hours of each of these sheets, in one query (a list row never loads its lines)."""
    if not sheet_ids:
        return {}
    rows = db.session.execute(
        sa.select(HourLine.timesheet_id, sa.func.sum(HourLine.hours))
        .where(HourLine.timesheet_id.in_(sheet_ids))
        .group_by(HourLine.timesheet_id)
    )
    return {sheet_id: Decimal(total or 0) for sheet_id, total in rows}


def list_batches(company_id: int, *, page: int = 1, per_page: int = 25) -> Pagination:
    query = (
        db.select(ExportBatch)
        .where(ExportBatch.company_id == company_id)
        .options(joinedload(ExportBatch.requested_by))
        .order_by(ExportBatch.created_at.desc(), ExportBatch.id.desc())
    )
    return db.paginate(query, page=min(max(page, 1), 100_000), per_page=per_page, error_out=False)


def get_batch(company_id: int, batch_id: int) -> ExportBatch:
    batch = get_in_company(ExportBatch, company_id, batch_id)
    if batch is None:
        raise NotFoundError()
    return batch


def valid_sheets(batch: ExportBatch) -> list[Timesheet]:
    """The sheets of a rejected batch whose every line Avantage accepted (one query)."""
    of_batch = sa.select(ExportLine.timesheet_id).where(ExportLine.batch_id == batch.id)
    rejected = of_batch.where(ExportLine.rejection_code.is_not(None))
    return list(
        db.session.scalars(
            sa.select(Timesheet)
            .where(
                Timesheet.id.in_(of_batch),
                Timesheet.id.not_in(rejected),
            )
            .order_by(Timesheet.week_start, Timesheet.employee_id, Timesheet.id)
        )
    )


#: Sheets in correction named above the export list (the count is always the whole).
CORRECTIONS_LISTED = 20


def corrections_under_way(
    company_id: int, weeks: tuple[date, date] | None
) -> tuple[int, list[Timesheet]]:
    """The sheets unfrozen for a correction that cannot be sent yet (not validated again),
    in the pay period when one is chosen: how many, and the first of them."""
    where = [
        Timesheet.company_id == company_id,
        Timesheet.in_correction.is_(True),
        Timesheet.status.not_in(SENDABLE),
    ]
    if weeks is not None:
        where.append(Timesheet.week_start.between(*weeks))
    total = db.session.scalar(sa.select(sa.func.count(Timesheet.id)).where(*where))
    if not total:
        return 0, []
    sheets = db.session.scalars(
        sa.select(Timesheet)
        .where(*where)
        .options(joinedload(Timesheet.employee))
        .order_by(Timesheet.week_start.desc(), Timesheet.id)
        .limit(CORRECTIONS_LISTED)
    )
    return total, list(sheets)
