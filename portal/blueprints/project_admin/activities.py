"""The budget activities of a project (Admin du projet): rows swapped in place by htmx."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from portal.blueprints.access import manager_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.project_admin import bp
from portal.blueprints.project_admin.forms import ActivityForm, make_activity_form
from portal.blueprints.project_admin.projects import page_context
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import Activity, Project
from portal.services import projects


def _load(project_id: int, activity_id: int) -> tuple[Project, Activity]:
    project = projects.get_project(current_user.company_id, project_id)
    return project, projects.get_activity(current_user.company_id, activity_id, project)


def _data(form: ActivityForm, active: bool) -> projects.ActivityData:
    return projects.ActivityData(
        code=form.code.data or "", name=form.name.data or "", active=active
    )


def _row_form(project: Project, activity: Activity, form: ActivityForm):
    """The row in edit mode: alone for htmx, else the whole page with that row open."""
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_activity_row_form.html",
        fragment_target=f"activity-{activity.id}",
        activity=activity,
        form=form,
        **page_context(project, editing=activity, row_form=form),
    )


def _back_to_project(project: Project, message: str):
    flash(message)
    return redirect(url_for("project_admin.show", project_id=project.id), 303)


@bp.post("/<int:project_id>/activites")
@login_required
@manager_required
def activity_create(project_id: int):
    project = projects.get_project(current_user.company_id, project_id)
    form = make_activity_form(submitted=True)
    try:
        activity = projects.save_activity(
            current_user.company_id, current_user, project, _data(form, active=True)
        )
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return page_or_fragment(
            "project_admin/project.html",
            "project_admin/_activity_list.html",
            fragment_target="activity-list",
            **page_context(
                projects.get_project(current_user.company_id, project_id), activity_form=form
            ),
        )
    db.session.commit()
    message = _("Activité %(label)s ajoutée.", label=activity.label)
    if htmx:
        return fragment_with_toast(
            "project_admin/_activity_list.html", message, **page_context(project)
        )
    return _back_to_project(project, message)


@bp.get("/<int:project_id>/activites/<int:activity_id>")
@login_required
@manager_required
def activity_row(project_id: int, activity_id: int):
    project, activity = _load(project_id, activity_id)
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_activity_row.html",
        fragment_target=f"activity-{activity.id}",
        activity=activity,
        **page_context(project),
    )


@bp.get("/<int:project_id>/activites/<int:activity_id>/modifier")
@login_required
@manager_required
def activity_edit(project_id: int, activity_id: int):
    project, activity = _load(project_id, activity_id)
    return _row_form(project, activity, make_activity_form(activity))


@bp.post("/<int:project_id>/activites/<int:activity_id>")
@login_required
@manager_required
def activity_update(project_id: int, activity_id: int):
    project, activity = _load(project_id, activity_id)
    form = make_activity_form(activity, submitted=True)
    try:
        projects.save_activity(
            current_user.company_id, current_user, project, _data(form, activity.active), activity
        )
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        project, activity = _load(project_id, activity_id)
        return _row_form(project, activity, form)
    db.session.commit()
    message = _("Activité %(label)s enregistrée.", label=activity.label)
    if htmx:
        return fragment_with_toast(
            "project_admin/_activity_row.html", message, activity=activity, project=project
        )
    return _back_to_project(project, message)


def _set_active(project_id: int, activity_id: int, active: bool):
    project, activity = _load(project_id, activity_id)
    projects.set_activity_active(current_user.company_id, current_user, activity, active)
    db.session.commit()
    message = (
        _("Activité %(label)s réactivée.", label=activity.label)
        if active
        else _(
            "Activité %(label)s désactivée : on ne peut plus y entrer de temps.",
            label=activity.label,
        )
    )
    if htmx:
        return fragment_with_toast(
            "project_admin/_activity_row.html", message, activity=activity, project=project
        )
    return _back_to_project(project, message)


@bp.post("/<int:project_id>/activites/<int:activity_id>/desactiver")
@login_required
@manager_required
def activity_deactivate(project_id: int, activity_id: int):
    return _set_active(project_id, activity_id, False)


@bp.post("/<int:project_id>/activites/<int:activity_id>/reactiver")
@login_required
@manager_required
def activity_reactivate(project_id: int, activity_id: int):
    return _set_active(project_id, activity_id, True)
