"""Weekly timesheets: who sees and edits which sheet (the status flow: timesheet_status)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from portal.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TimesheetLockedError,
    ValidationError,
)
from portal.i18n import gettext as _
from portal.models import (
    ExpenseLine,
    HourLine,
    Project,
    Timesheet,
    TimesheetPermission,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import MAX_ID, utcnow

#: Statuses in which the lines of a sheet can still change.
EDITABLE = frozenset({TimesheetStatus.DRAFT, TimesheetStatus.REJECTED})


def week_start_of(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def is_reviewer(actor: User) -> bool:
    return actor.has_timesheet_permission(TimesheetPermission.EXTENDED)


def _visible(company_id: int, actor: User):
    query = db.select(Timesheet).where(Timesheet.company_id == company_id)
    if not is_reviewer(actor):
        query = query.where(Timesheet.employee_id == actor.id)
    return query


def list_sheets(
    company_id: int,
    actor: User,
    *,
    week_start: date | None = None,
    employee_id: int | None = None,
    status: TimesheetStatus | None = None,
    project_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """The sheets the actor may see (their own, or the company's for reviewers), newest first."""
    query = (
        _visible(company_id, actor)
        .join(User, User.id == Timesheet.employee_id)
        .options(contains_eager(Timesheet.employee), selectinload(Timesheet.hour_lines))
    )
    if week_start is not None:
        query = query.where(Timesheet.week_start == week_start_of(week_start))
    if employee_id is not None:
        query = query.where(Timesheet.employee_id == employee_id)
    if status is not None:
        query = query.where(Timesheet.status == status)
    if project_id is not None:
        query = query.where(
            Timesheet.id.in_(
                sa.union(
                    db.select(HourLine.timesheet_id).where(HourLine.project_id == project_id),
                    db.select(ExpenseLine.timesheet_id).where(ExpenseLine.project_id == project_id),
                )
            )
        )
    query = query.order_by(Timesheet.week_start.desc(), User.name_sort, Timesheet.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_waiting(company_id: int, actor: User) -> int:
    """How many submitted sheets wait for a reviewer (0 for those who cannot review)."""
    if not is_reviewer(actor):
        return 0
    return db.session.scalar(
        db.select(sa.func.count(Timesheet.id)).where(
            Timesheet.company_id == company_id, Timesheet.status == TimesheetStatus.SUBMITTED
        )
    )


def filter_projects(company_id: int) -> list[Project]:
    """Every project of the company, closed ones too: old sheets are filtered on them."""
    return list(
        db.session.scalars(
            db.select(Project)
            .where(Project.company_id == company_id)
            .order_by(Project.label_sort, Project.id)
        )
    )


def _check_reader(actor: User, employee_id: int) -> None:
    if employee_id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(
            _("Vous ne pouvez consulter que vos propres feuilles de temps.")
        )


def get_sheet(company_id: int, actor: User, sheet_id: int, *, for_update: bool = False):
    """The sheet if the actor may see it; ``for_update`` locks its row until the commit."""
    sheet = None
    if 0 < sheet_id <= MAX_ID:
        sheet = db.session.get(
            Timesheet, sheet_id, with_for_update=for_update or None, populate_existing=for_update
        )
    if sheet is None or sheet.company_id != company_id:
        raise NotFoundError()
    _check_reader(actor, sheet.employee_id)
    return sheet


def _week_query(employee: User, week: date):
    return db.select(Timesheet).where(
        Timesheet.employee_id == employee.id, Timesheet.week_start == week
    )


def _draft(company_id: int, employee: User, week: date) -> Timesheet:
    return Timesheet(
        company_id=company_id,
        employee_id=employee.id,
        employee=employee,
        week_start=week,
        status=TimesheetStatus.DRAFT,
    )


def find_week(company_id: int, actor: User, employee: User, day: date) -> Timesheet:
    """The employee's sheet for the week of ``day``; an unsaved draft when there is none yet."""
    if employee.company_id != company_id:
        raise NotFoundError()
    _check_reader(actor, employee.id)
    week = week_start_of(day)
    return db.session.scalar(_week_query(employee, week)) or _draft(company_id, employee, week)


def open_week(company_id: int, actor: User, employee: User, day: date) -> Timesheet:
    """The employee's sheet for the week of ``day`` (row locked), created as a draft if missing."""
    if employee.company_id != company_id:
        raise NotFoundError()
    if employee.id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(_("Vous ne pouvez remplir que vos propres feuilles de temps."))
    week = week_start_of(day)
    query = _week_query(employee, week).with_for_update().execution_options(populate_existing=True)
    sheet = db.session.scalar(query)
    if sheet is None:
        if not employee.active:
            raise ValidationError(
                message=_("Cet employé est désactivé : réactivez-le pour lui ouvrir une semaine.")
            )
        sheet = _draft(company_id, employee, week)
        db.session.add(sheet)
        try:
            db.session.flush()
        except sa.exc.IntegrityError as error:  # created meanwhile by another request
            raise ConflictError() from error
    return sheet


def can_edit(sheet: Timesheet, actor: User) -> bool:
    return (
        sheet.status in EDITABLE
        and sheet.export_lock_id is None
        and (sheet.employee_id == actor.id or is_reviewer(actor))
    )


def ensure_editable(company_id: int, actor: User, sheet: Timesheet) -> None:
    """Raise the reason why ``actor`` cannot change the lines of ``sheet`` now, if any."""
    if sheet.company_id != company_id:
        raise NotFoundError()
    if sheet.employee_id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(_("Vous ne pouvez modifier que vos propres feuilles de temps."))
    if sheet.status == TimesheetStatus.FROZEN:
        raise TimesheetLockedError()
    ensure_not_being_sent(sheet)
    if sheet.status not in EDITABLE:
        raise TimesheetLockedError(
            _(
                "Cette feuille de temps est %(status)s : elle ne peut plus être modifiée. "
                "Demandez à un validateur de la rejeter pour la corriger.",
                status=sheet.status.label.lower(),
            )
        )


def claim_for_edit(company_id: int, actor: User, sheet: Timesheet) -> None:
    """``ensure_editable``, then hold the sheet's row for this transaction by a conditional
    UPDATE: a submit, freeze or batch that committed since the sheet was read wins, and this
    change of its lines is refused instead of landing in a sheet that left Brouillon."""
    ensure_editable(company_id, actor, sheet)
    claimed = db.session.execute(
        sa.update(Timesheet)
        .where(
            Timesheet.id == sheet.id,
            Timesheet.status.in_(EDITABLE),
            Timesheet.export_lock_id.is_(None),
        )
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(sheet)
        ensure_editable(company_id, actor, sheet)  # says what the sheet has become
        raise ConflictError()
    db.session.expire(sheet, ["updated_at"])


def ensure_not_being_sent(sheet: Timesheet) -> None:
    """A sheet in an export batch that has not ended is locked against any change."""
    if sheet.export_lock_id is not None:
        raise TimesheetLockedError(
            _(
                "Cette feuille de temps est en cours d'envoi à Avantage : elle ne peut pas être "
                "modifiée avant la fin de l'envoi. Consultez la page des lots envoyés."
            )
        )
