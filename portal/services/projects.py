"""Projets and their budget activities."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    Activity,
    HourLine,
    Project,
    ProjectStatus,
    Timesheet,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import get_in_company
from portal.services import audit
from portal.services.fields import required_text, same_code, with_match_key
from portal.services.text import clean, normalise_code

#: Pages beyond this one are empty anyway; the bound keeps OFFSET within the database's range.
MAX_PAGE = 100_000
#: Longer searches match nothing useful; the cut keeps the LIKE pattern small.
MAX_SEARCH_LENGTH = 100
#: The timesheets whose hours count as entered on a project: not drafts, not rejected sheets.
RECORDED_STATUSES = (TimesheetStatus.SUBMITTED, TimesheetStatus.VALIDATED, TimesheetStatus.FROZEN)


@dataclass
class ProjectData:
    """A project as typed in the form; ``status`` is None when the form sent an unknown value."""

    number: str
    name: str
    status: ProjectStatus | None = ProjectStatus.ACTIVE


@dataclass
class ActivityData:
    code: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class ActivityCount:
    """How many activities a project has, and how many of them are still active."""

    total: int = 0
    active: int = 0


def get_project(company_id: int, project_id: int) -> Project:
    """The project ``project_id`` of the company, or ``NotFoundError``."""
    project = get_in_company(Project, company_id, project_id)
    if project is None:
        raise NotFoundError()
    return project


def get_activity(company_id: int, activity_id: int, project: Project | None = None) -> Activity:
    """The activity ``activity_id`` of the company (and of ``project`` when given)."""
    activity = get_in_company(Activity, company_id, activity_id)
    if activity is None:
        raise NotFoundError()
    if project is not None and activity.project_id != project.id:
        raise NotFoundError()
    return activity


def is_filtered(search: str, status: ProjectStatus | None) -> bool:
    """Whether ``list_projects`` gets a filter that can hide projects (spaces are none)."""
    return bool(clean(search)) or status is not None


def list_projects(
    company_id: int,
    *,
    search: str = "",
    status: ProjectStatus | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """Projects of the company, filtered and paginated, by number then name (collated)."""
    query = db.select(Project).where(Project.company_id == company_id)
    term = clean(search)[:MAX_SEARCH_LENGTH].lower()
    if term:
        query = query.where(
            sa.or_(
                sa.func.lower(Project.number).contains(term, autoescape=True),
                sa.func.lower(Project.name).contains(term, autoescape=True),
            )
        )
    if status is not None:
        query = query.where(Project.status == status)
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(
        query.order_by(Project.label_sort, Project.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def activity_counts(company_id: int, projects: list[Project]) -> dict[int, ActivityCount]:
    """The activity counts of ``projects``, by project id, in one query."""
    ids = [project.id for project in projects]
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(
            Activity.project_id,
            sa.func.count(Activity.id),
            sa.func.count(Activity.id).filter(Activity.active.is_(True)),
        )
        .where(Activity.company_id == company_id, Activity.project_id.in_(ids))
        .group_by(Activity.project_id)
    )
    return {project_id: ActivityCount(total, active) for project_id, total, active in rows}


def active_projects(company_id: int) -> list[Project]:
    return list(
        db.session.scalars(
            db.select(Project)
            .where(Project.company_id == company_id, Project.status == ProjectStatus.ACTIVE)
            .order_by(Project.label_sort, Project.id)
        )
    )


def save_project(
    company_id: int, actor: User, data: ProjectData, project: Project | None = None
) -> Project:
    """Create (``project`` None) or update a project after validating it."""
    if project is not None and project.company_id != company_id:
        raise NotFoundError()
    errors: dict[str, str] = {}
    number = required_text(
        errors, "number", data.number, limit=30, missing=_("Entrez le numéro du projet.")
    )
    name = required_text(
        errors, "name", data.name, limit=160, missing=_("Entrez le nom du projet.")
    )
    if "number" not in errors:
        other = with_match_key(Project, company_id, normalise_code(number), excluding=project)
        if other is not None:
            errors["number"] = _(
                "Le numéro %(number)s est déjà celui du projet « %(name)s ».",
                number=other.number,
                name=other.name,
            )
    if data.status is None:
        errors["status"] = _("Choisissez un statut de la liste.")
    if errors:
        raise ValidationError(errors)
    created = project is None
    if created:
        project = Project(company_id=company_id)
        db.session.add(project)
    before = None if created else project.status.value
    project.number, project.name, project.status = number, name, data.status
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "project.create" if created else "project.update",
        project,
        project.label,
        status=project.status.value,
        **({} if created else {"previous_status": before}),
    )
    return project


def save_activity(
    company_id: int,
    actor: User,
    project: Project,
    data: ActivityData,
    activity: Activity | None = None,
) -> Activity:
    """Create (``activity`` None) or update an activity of ``project`` after validating it."""
    if project.company_id != company_id or (
        activity is not None and activity.project_id != project.id
    ):
        raise NotFoundError()
    errors: dict[str, str] = {}
    code = required_text(
        errors, "code", data.code, limit=30, missing=_("Entrez le code de l'activité.")
    )
    name = required_text(
        errors, "name", data.name, limit=160, missing=_("Entrez le nom de l'activité.")
    )
    other = (
        same_code(project.activities, code, lambda record: record.code, activity)
        if "code" not in errors
        else None
    )
    if other is not None:
        errors["code"] = _(
            "Le code %(code)s est déjà celui de l'activité « %(name)s » de ce projet.",
            code=other.code,
            name=other.name,
        )
    if errors:
        raise ValidationError(errors)
    created = activity is None
    if created:
        activity = Activity(company_id=company_id, project=project)
        db.session.add(activity)
    activity.code, activity.name, activity.active = code, name, data.active
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "activity.create" if created else "activity.update",
        activity,
        f"{project.number} / {activity.label}",
    )
    return activity


def set_activity_active(company_id: int, actor: User, activity: Activity, active: bool) -> Activity:
    """Deactivate (no new time can be entered on it) or reactivate an activity."""
    if activity.company_id != company_id:
        raise NotFoundError()
    if activity.active == active:
        return activity  # a second click: nothing to change, nothing to record
    activity.active = active
    audit.record(
        company_id,
        actor,
        "activity.activate" if active else "activity.deactivate",
        activity,
        f"{activity.project.number} / {activity.label}",
    )
    return activity


def recorded_hours(company_id: int, project: Project) -> dict[int, tuple[Decimal, Decimal]]:
    """Per activity of ``project`` (by id): the hours entered in the company's submitted,
    validated and frozen timesheets and in those unfrozen for a correction (whatever their
    status: Avantage still holds their previous revision), and how many of them are the
    latter's (« en correction »)."""
    correcting = sa.case((Timesheet.in_correction, HourLine.hours), else_=0)
    rows = db.session.execute(
        db.select(HourLine.activity_id, sa.func.sum(HourLine.hours), sa.func.sum(correcting))
        .join(Timesheet, Timesheet.id == HourLine.timesheet_id)
        .where(
            Timesheet.company_id == company_id,
            sa.or_(Timesheet.status.in_(RECORDED_STATUSES), Timesheet.in_correction),
            HourLine.project_id == project.id,
        )
        .group_by(HourLine.activity_id)
    )
    return {
        activity_id: (Decimal(total), Decimal(in_correction or 0))
        for activity_id, total, in_correction in rows
    }
