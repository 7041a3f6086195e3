"""What the Exportation vers la paie screens list: sendable sheets, batches, and the sheets
of a rejected batch that can go again."""

from __future__ import annotations

from datetime import date

from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError
from portal.models import (
    ExpenseLine,
    ExportBatch,
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


def sendable_sheets(
    company_id: int,
    *,
    week: date | None = None,
    project_id: int | None = None,
    employee_id: int | None = None,
    status: TimesheetStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Pagination:
    """Validated and frozen sheets, newest week first, filtered."""
    statuses = [status] if status in SENDABLE else list(SENDABLE)
    query = (
        db.select(Timesheet)
        .join(User, User.id == Timesheet.employee_id)
        .where(Timesheet.company_id == company_id, Timesheet.status.in_(statuses))
    )
    if week is not None:
        query = query.where(Timesheet.week_start == week_start_of(week))
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
    query = query.order_by(
        Timesheet.week_start.desc(), User.last_name, User.first_name, Timesheet.id
    )
    return db.paginate(query, page=min(max(page, 1), 100_000), per_page=per_page, error_out=False)


def list_batches(company_id: int, *, page: int = 1, per_page: int = 25) -> Pagination:
    query = (
        db.select(ExportBatch)
        .where(ExportBatch.company_id == company_id)
        .order_by(ExportBatch.created_at.desc(), ExportBatch.id.desc())
    )
    return db.paginate(query, page=min(max(page, 1), 100_000), per_page=per_page, error_out=False)


def get_batch(company_id: int, batch_id: int) -> ExportBatch:
    batch = get_in_company(ExportBatch, company_id, batch_id)
    if batch is None:
        raise NotFoundError()
    return batch


def batch_sheets(batch: ExportBatch) -> list[tuple[Timesheet, list]]:
    """The batch's sheets, each with its lines as sent (rejections included)."""
    sheets: dict[int, tuple[Timesheet, list]] = {}
    for line in batch.lines:
        sheets.setdefault(line.timesheet_id, (line.timesheet, []))[1].append(line)
    return list(sheets.values())


def valid_sheets(batch: ExportBatch) -> list[Timesheet]:
    """The sheets of a rejected batch whose every line Avantage accepted."""
    return [
        sheet
        for sheet, lines in batch_sheets(batch)
        if not any(line.rejection_code for line in lines)
    ]
