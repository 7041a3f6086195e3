"""Projets and their budget activities."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError, ValidationError
from portal.models import Activity, Project, ProjectStatus, User, db
from portal.services import audit
from portal.services.text import clean, normalise_code


@dataclass
class ProjectData:
    number: str
    name: str
    status: ProjectStatus = ProjectStatus.ACTIVE


@dataclass
class ActivityData:
    code: str
    name: str
    active: bool = True


def get_project(company_id: int, project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or project.company_id != company_id:
        raise NotFoundError()
    return project


def get_activity(company_id: int, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.company_id != company_id:
        raise NotFoundError()
    return activity


def list_projects(
    company_id: int,
    *,
    search: str = "",
    status: ProjectStatus | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    query = db.select(Project).where(Project.company_id == company_id)
    term = clean(search).lower()
    if term:
        like = f"%{term}%"
        query = query.where(
            sa.or_(sa.func.lower(Project.number).like(like), sa.func.lower(Project.name).like(like))
        )
    if status is not None:
        query = query.where(Project.status == status)
    return db.paginate(
        query.order_by(Project.number), page=page, per_page=per_page, error_out=False
    )


def active_projects(company_id: int) -> list[Project]:
    return list(
        db.session.scalars(
            db.select(Project)
            .where(Project.company_id == company_id, Project.status == ProjectStatus.ACTIVE)
            .order_by(Project.number)
        )
    )


def save_project(
    company_id: int, actor: User, data: ProjectData, project: Project | None = None
) -> Project:
    errors: dict[str, str] = {}
    number, name = clean(data.number), clean(data.name)
    if not number:
        errors["number"] = _("Entrez le numéro du projet.")
    elif len(number) > 30:
        errors["number"] = _("Maximum %(n)d caractères.", n=30)
    else:
        key = normalise_code(number)
        for other in db.session.scalars(db.select(Project).where(Project.company_id == company_id)):
            if other is not project and normalise_code(other.number) == key:
                errors["number"] = _(
                    "Le numéro %(number)s est déjà celui du projet « %(name)s ».",
                    number=other.number,
                    name=other.name,
                )
                break
    if not name:
        errors["name"] = _("Entrez le nom du projet.")
    elif len(name) > 160:
        errors["name"] = _("Maximum %(n)d caractères.", n=160)
    if errors:
        raise ValidationError(errors)
    created = project is None
    if created:
        project = Project(company_id=company_id)
        db.session.add(project)
    project.number, project.name, project.status = number, name, data.status
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "project.create" if created else "project.update",
        project,
        project.label,
        status=project.status.value,
    )
    return project


def save_activity(
    company_id: int,
    actor: User,
    project: Project,
    data: ActivityData,
    activity: Activity | None = None,
) -> Activity:
    errors: dict[str, str] = {}
    code, name = clean(data.code), clean(data.name)
    if not code:
        errors["code"] = _("Entrez le code de l'activité.")
    elif len(code) > 30:
        errors["code"] = _("Maximum %(n)d caractères.", n=30)
    else:
        key = normalise_code(code)
        for other in project.activities:
            if other is not activity and normalise_code(other.code) == key:
                errors["code"] = _(
                    "Le code %(code)s est déjà utilisé dans ce projet.", code=other.code
                )
                break
    if not name:
        errors["name"] = _("Entrez le nom de l'activité.")
    elif len(name) > 160:
        errors["name"] = _("Maximum %(n)d caractères.", n=160)
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
