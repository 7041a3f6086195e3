"""Projets: the list, adding a project, and the Admin du projet page with its facts."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_htmx import make_response
from flask_login import current_user, login_required

from portal.blueprints.access import manager_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.project_admin import bp
from portal.blueprints.project_admin.forms import (
    ActivityForm,
    ProjectFilterForm,
    ProjectForm,
    make_activity_form,
)
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import Activity, Project
from portal.services import projects


def page_context(
    project: Project,
    *,
    project_form: ProjectForm | None = None,
    activity_form: ActivityForm | None = None,
    editing: Activity | None = None,
    row_form: ActivityForm | None = None,
) -> dict:
    """What ``project_admin/project.html`` and its fragments need."""
    return {
        "project": project,
        "project_form": project_form,
        "activity_form": activity_form or make_activity_form(),
        "editing": editing,
        "row_form": row_form,
    }


def _data(form: ProjectForm) -> projects.ProjectData:
    return projects.ProjectData(
        number=form.number.data or "", name=form.name.data or "", status=form.status.data
    )


@bp.get("/")
@login_required
@manager_required
def index():
    filters = ProjectFilterForm(request.args)
    pagination = projects.list_projects(
        current_user.company_id,
        search=filters.q.data or "",
        status=filters.statut.data,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
    )
    args = {name: value for name, value in request.args.items() if name in filters and value}
    return page_or_fragment(
        "project_admin/index.html",
        "project_admin/_project_list.html",
        fragment_target="project-list",
        filters=filters,
        pagination=pagination,
        counts=projects.activity_counts(current_user.company_id, pagination.items),
        args=args,
        filtered=projects.is_filtered(filters.q.data or "", filters.statut.data),
    )


@bp.get("/nouveau")
@login_required
@manager_required
def new():
    return page_or_fragment(
        "project_admin/new.html",
        "project_admin/_project_form.html",
        fragment_target="project-form",
        project_form=ProjectForm(formdata=None),
        project=None,
    )


@bp.post("/nouveau")
@login_required
@manager_required
def create():
    form = ProjectForm()
    try:
        project = projects.save_project(current_user.company_id, current_user, _data(form))
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return page_or_fragment(
            "project_admin/new.html",
            "project_admin/_project_form.html",
            fragment_target="project-form",
            project_form=form,
            project=None,
        )
    db.session.commit()
    flash(_("Projet %(label)s ajouté. Ajoutez maintenant ses activités.", label=project.label))
    target = url_for("project_admin.show", project_id=project.id)
    if htmx:  # the next page is the project's own: a full navigation
        return make_response("", redirect=target)
    return redirect(target, 303)


@bp.get("/<int:project_id>")
@login_required
@manager_required
def show(project_id: int):
    project = projects.get_project(current_user.company_id, project_id)
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_project_facts.html",
        fragment_target="project-facts",
        **page_context(project),
    )


@bp.get("/<int:project_id>/modifier")
@login_required
@manager_required
def edit(project_id: int):
    project = projects.get_project(current_user.company_id, project_id)
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_project_form.html",
        fragment_target="project-facts",
        **page_context(project, project_form=ProjectForm(formdata=None, obj=project)),
    )


@bp.post("/<int:project_id>")
@login_required
@manager_required
def update(project_id: int):
    project = projects.get_project(current_user.company_id, project_id)
    form = ProjectForm()
    try:
        projects.save_project(current_user.company_id, current_user, _data(form), project)
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return page_or_fragment(
            "project_admin/project.html",
            "project_admin/_project_form.html",
            fragment_target="project-facts",
            **page_context(
                projects.get_project(current_user.company_id, project_id), project_form=form
            ),
        )
    db.session.commit()
    message = _("Projet %(label)s enregistré.", label=project.label)
    if htmx:
        return fragment_with_toast(
            "project_admin/_project_facts.html", message, **page_context(project)
        )
    flash(message)
    return redirect(url_for("project_admin.show", project_id=project.id), 303)
