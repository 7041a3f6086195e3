"""Weekly timesheets: who sees and edits which sheet, its lines, and the status flow."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from portal.errors import (
    NotFoundError,
    PermissionDeniedError,
    TimesheetLockedError,
    ValidationError,
)
from portal.models import (
    HourLine,
    Timesheet,
    TimesheetPermission,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import utcnow
from portal.services import audit

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
    query = _visible(company_id, actor).join(User, User.id == Timesheet.employee_id)
    if week_start is not None:
        query = query.where(Timesheet.week_start == week_start_of(week_start))
    if employee_id is not None:
        query = query.where(Timesheet.employee_id == employee_id)
    if status is not None:
        query = query.where(Timesheet.status == status)
    if project_id is not None:
        query = query.where(
            Timesheet.id.in_(
                db.select(HourLine.timesheet_id).where(HourLine.project_id == project_id)
            )
        )
    query = query.order_by(
        Timesheet.week_start.desc(), User.last_name, User.first_name, Timesheet.id
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_sheet(company_id: int, actor: User, sheet_id: int) -> Timesheet:
    sheet = db.session.get(Timesheet, sheet_id)
    if sheet is None or sheet.company_id != company_id:
        raise NotFoundError()
    if sheet.employee_id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(
            _("Vous ne pouvez consulter que vos propres feuilles de temps.")
        )
    return sheet


def open_week(company_id: int, actor: User, employee: User, day: date) -> Timesheet:
    """The employee's sheet for the week of ``day``, created as a draft when missing."""
    if employee.company_id != company_id:
        raise NotFoundError()
    if employee.id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(_("Vous ne pouvez remplir que vos propres feuilles de temps."))
    if not employee.active:
        raise ValidationError(message=_("Cet employé est désactivé."))
    week = week_start_of(day)
    sheet = db.session.scalar(
        db.select(Timesheet).where(
            Timesheet.employee_id == employee.id, Timesheet.week_start == week
        )
    )
    if sheet is None:
        sheet = Timesheet(
            company_id=company_id,
            employee_id=employee.id,
            week_start=week,
            status=TimesheetStatus.DRAFT,
        )
        db.session.add(sheet)
        db.session.flush()
    return sheet


def can_edit(sheet: Timesheet, actor: User) -> bool:
    return sheet.status in EDITABLE and (sheet.employee_id == actor.id or is_reviewer(actor))


def ensure_editable(sheet: Timesheet, actor: User) -> None:
    """Raise the reason why ``actor`` cannot change the lines of ``sheet`` now, if any."""
    if sheet.status == TimesheetStatus.FROZEN:
        raise TimesheetLockedError()
    if sheet.status not in EDITABLE:
        raise TimesheetLockedError(
            _(
                "Cette feuille de temps est %(status)s : elle ne peut plus être modifiée. "
                "Demandez à un validateur de la rejeter pour la corriger.",
                status=sheet.status.label.lower(),
            )
        )
    if sheet.employee_id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(_("Vous ne pouvez modifier que vos propres feuilles de temps."))


# --- the status flow -------------------------------------------------------------------------


def available_actions(sheet: Timesheet, actor: User) -> list[str]:
    """The transitions ``actor`` may apply to ``sheet`` now, for the buttons of the page."""
    actions = []
    reviewer = is_reviewer(actor)
    if sheet.status in EDITABLE and (sheet.employee_id == actor.id or reviewer):
        actions.append("submit")
    if sheet.status == TimesheetStatus.SUBMITTED and reviewer:
        actions += ["validate", "reject"]
    if sheet.status == TimesheetStatus.VALIDATED:
        if reviewer:
            actions.append("reject")
        if actor.has_timesheet_permission(TimesheetPermission.ADMIN):
            actions.append("freeze")
    return actions


def _transition(
    company_id: int, actor: User, sheet: Timesheet, action: str, target: TimesheetStatus
) -> None:
    if sheet.company_id != company_id:
        raise NotFoundError()
    if sheet.status == TimesheetStatus.FROZEN:
        raise TimesheetLockedError()
    if action not in available_actions(sheet, actor):
        if sheet.employee_id != actor.id and not is_reviewer(actor):
            raise PermissionDeniedError()
        needs = {
            "validate": TimesheetPermission.EXTENDED,
            "reject": TimesheetPermission.EXTENDED,
            "freeze": TimesheetPermission.ADMIN,
        }.get(action)
        if needs is not None and not actor.has_timesheet_permission(needs):
            raise PermissionDeniedError(
                _(
                    "Il faut la permission « %(level)s » sur les feuilles de temps.",
                    level=needs.label,
                )
            )
        raise ValidationError(
            message=_(
                "Une feuille %(status)s ne peut pas passer à « %(target)s ».",
                status=sheet.status.label.lower(),
                target=target.label,
            )
        )
    previous = sheet.status
    sheet.status = target
    audit.record(
        company_id,
        actor,
        f"timesheet.{action}",
        sheet,
        f"{sheet.employee.full_name} — {sheet.week_start.isoformat()} : "
        f"{previous.label} → {target.label}",
        previous=previous.value,
        status=target.value,
    )


def submit(company_id: int, actor: User, sheet: Timesheet) -> None:
    if not sheet.hour_lines and not sheet.expense_lines:
        raise ValidationError(
            message=_("Ajoutez au moins une ligne avant de soumettre la feuille.")
        )
    _transition(company_id, actor, sheet, "submit", TimesheetStatus.SUBMITTED)
    sheet.submitted_at = utcnow()
    sheet.rejection_reason = None


def validate(company_id: int, actor: User, sheet: Timesheet) -> None:
    _transition(company_id, actor, sheet, "validate", TimesheetStatus.VALIDATED)
    sheet.reviewed_at, sheet.reviewed_by_id = utcnow(), actor.id


def reject(company_id: int, actor: User, sheet: Timesheet, reason: str) -> None:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Dites à l'employé ce qu'il doit corriger.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Maximum %(n)d caractères.", n=500)})
    _transition(company_id, actor, sheet, "reject", TimesheetStatus.REJECTED)
    sheet.reviewed_at, sheet.reviewed_by_id = utcnow(), actor.id
    sheet.rejection_reason = reason


def freeze(company_id: int, actor: User, sheet: Timesheet) -> None:
    _transition(company_id, actor, sheet, "freeze", TimesheetStatus.FROZEN)
    sheet.frozen_at, sheet.frozen_by_id = utcnow(), actor.id
