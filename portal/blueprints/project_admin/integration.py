"""Admin du projet → Configuration d'intégrations: link the project to its Avantage project,
then Synchroniser its activities and its budget. Superadmins only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal import jobs
from portal.blueprints import scheduling
from portal.blueprints.access import superadmin_required
from portal.blueprints.forms import page_number
from portal.blueprints.project_admin import bp
from portal.blueprints.project_admin.projects import page_context
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.runs import render_progress
from portal.errors import PortalError, ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import Integration, Project, SyncSection
from portal.services import (
    console,
    integrations,
    project_links,
    projects,
    purchase_orders,
    runs,
)
from portal.services.sync import budget

#: URL slug → the per-project sections, in the order of the tabs.
SECTIONS = {
    "activites": SyncSection.ACTIVITIES,
    "budget": SyncSection.BUDGET,
    "bons-de-commande": SyncSection.PURCHASE_ORDERS,
}


@bp.app_template_global("project_budget")
def project_budget(project: Project) -> budget.ProjectBudget | None:
    """The budget columns of the project's activity table (None when it is not linked)."""
    return budget.project_budget(project.company_id, project)


def _load(project_id: int, integration_id: int | None = None) -> tuple[Project, Integration | None]:
    """The project, and the integration when one is named, both of the user's company."""
    project = projects.get_project(current_user.company_id, project_id)
    if integration_id is None:
        return project, None
    return project, integrations.get_integration(current_user.company_id, integration_id)


def _render_config(project: Project, integration: Integration | None, error: str | None = None):
    """The section alone for htmx, else the project page with the section in it."""
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_integration.html",
        fragment_target="project-integration",
        **{**page_context(project), **_config(project, integration, error=error)},
    )


def _config(project: Project, integration: Integration | None, *, error: str | None = None) -> dict:
    """What ``_integration.html`` needs (``link_config`` also tells project.html to include it)."""
    choices = integrations.list_integrations(current_user.company_id)
    integration = integration or project_links.default_integration(project, choices)
    state = None
    if integration is not None:
        state = project_links.link_state(
            integration,
            project,
            search=request.args.get("q", ""),
            chosen=request.form.get("avantage_project"),
        )
    return {
        "project": project,
        "link_config": {"integrations": choices, "integration": integration, "state": state},
        "search": request.args.get("q", "")[:100],
        "error": error,
    }


@bp.get("/<int:project_id>/integration")
@login_required
@superadmin_required
def integration_config(project_id: int):
    """Configuration d'intégrations for the chosen integration (or the obvious one)."""
    return _render_config(*_load(project_id, request.args.get("integration", type=int)))


@bp.get("/<int:project_id>/integration/<int:integration_id>/projets-avantage")
@login_required
@superadmin_required
def avantage_projects(project_id: int, integration_id: int):
    """The dropdown filtered as the user types (htmx, debounced)."""
    project, integration = _load(project_id, integration_id)
    options = project_links.avantage_projects(
        integration, project, search=request.args.get("q", "")
    )
    return render_template("project_admin/_integration_options.html", options=options, error=None)


def _after_link(project: Project, integration: Integration, message: str, level: str):
    """The section again, with the outcome as a toast (htmx) or a flashed message."""
    if not htmx:
        flash(message, level)
        return redirect(
            url_for(
                "project_admin.integration_config",
                project_id=project.id,
                integration=integration.id,
            ),
            303,
        )
    return fragment_with_toast(
        "project_admin/_integration.html", message, level, **_config(project, integration)
    )


def _refused(project: Project, integration: Integration, error: PortalError):
    """The section with the reason under the dropdown (status 200, like a form error)."""
    db.session.rollback()
    message = error.message
    if isinstance(error, ValidationError):
        message = next(iter(error.field_errors.values()), error.message)
    return _render_config(project, integration, error=message)


@bp.post("/<int:project_id>/integration/<int:integration_id>/lien")
@login_required
@superadmin_required
def link(project_id: int, integration_id: int):
    """Link (or relink) the project to the Avantage project chosen in the dropdown."""
    project, integration = _load(project_id, integration_id)
    remote_id = request.form.get("avantage_project", "")[:120]
    try:
        warning = project_links.link_project(integration, project, remote_id, current_user)
        db.session.commit()
    except IntegrityError:
        # Another admin linked this Avantage project at the same instant: say who holds it.
        db.session.rollback()
        project, integration = _load(project_id, integration_id)
        try:
            project_links.link_project(integration, project, remote_id, current_user)
        except PortalError as error:
            db.session.rollback()
            return _refused(project, integration, error)
        raise
    except PortalError as error:
        return _refused(project, integration, error)
    if warning:
        return _after_link(project, integration, warning, "warning")
    message = _(
        "Projet lié au projet %(id)s d'Avantage. Synchronisez maintenant ses activités.",
        id=remote_id,
    )
    return _after_link(project, integration, message, "success")


@bp.post("/<int:project_id>/integration/<int:integration_id>/lien/supprimer")
@login_required
@superadmin_required
def unlink(project_id: int, integration_id: int):
    """Délier: the project keeps its activities; the Avantage project is free again."""
    project, integration = _load(project_id, integration_id)
    try:
        remote_id = project_links.unlink_project(integration, project, current_user)
    except PortalError as error:
        return _refused(project, integration, error)
    db.session.commit()
    message = _(
        "Le projet n'est plus lié au projet %(id)s d'Avantage. Ses activités restent dans le "
        "portail.",
        id=remote_id,
    )
    return _after_link(project, integration, message, "success")


def _section_context(project_id: int, integration_id: int, slug: str) -> dict:
    section = SECTIONS.get(slug)
    if section is None:
        abort(404)
    project, integration = _load(project_id, integration_id)
    link = project_links.project_link(integration, project)
    return {
        "project": project,
        "integration": integration,
        "section": section,
        "slug": slug,
        "sections": SECTIONS,
        "remote_id": link.remote_key if link is not None else None,
        "history_url": url_for(
            "project_admin.sync_history",
            project_id=project.id,
            integration_id=integration.id,
            slug=slug,
        ),
    }


def schedule_urls(project_id: int, integration_id: int, slug: str) -> dict:
    ids = {"project_id": project_id, "integration_id": integration_id, "slug": slug}
    return {
        "page": url_for("project_admin.sync_section", **ids),
        "save": url_for("project_admin.schedule_save", **ids),
        "resume": url_for("project_admin.schedule_resume", **ids),
    }


def _table_context(ctx: dict) -> dict:
    """The project's activities on both sides, with Avantage's budget beside them."""
    remote_id, project, integration = ctx["remote_id"], ctx["project"], ctx["integration"]
    if remote_id is None:
        return {**ctx, "rows": [], "budget": None}
    if ctx["section"] == SyncSection.PURCHASE_ORDERS:
        page = page_number()
        orders = purchase_orders.orders_page(integration, project_key=remote_id, page=page)
        return {**ctx, "orders": orders}
    rows = console.console_page(
        integration, SyncSection.ACTIVITIES, scope=remote_id, scope_project=project, per_page=None
    ).rows
    return {**ctx, "rows": rows, "budget": budget.budget_view(integration, remote_id, project)}


@bp.get("/<int:project_id>/integration/<int:integration_id>/<slug>")
@login_required
@superadmin_required
def sync_section(project_id: int, integration_id: int, slug: str):
    """A per-project section: Synchroniser, its live progress, the activities, the history."""
    ctx = _table_context(_section_context(project_id, integration_id, slug))
    if htmx and htmx.target == "project-sync-table":
        table = "_sync_orders.html" if "orders" in ctx else "_integration_table.html"
        return render_template(f"project_admin/{table}", **ctx)
    integration, section, project = ctx["integration"], ctx["section"], ctx["project"]
    latest = runs.active_run(integration, section, project) or next(
        iter(runs.history(integration, section, project, limit=1)), None
    )
    if latest is not None:
        jobs.refresh(latest)
    urls = schedule_urls(project.id, integration.id, ctx["slug"])
    return render_template(
        "project_admin/integration_sync.html",
        **ctx,
        **scheduling.card_context(integration, section, project, urls),
        run=latest,
        history=runs.history(integration, section, project),
    )


@bp.post("/<int:project_id>/integration/<int:integration_id>/<slug>")
@login_required
@superadmin_required
def sync_start(project_id: int, integration_id: int, slug: str):
    """Queue the run; refused before anything is queued when the project is not linked."""
    ctx = _section_context(project_id, integration_id, slug)
    integration, section, project = ctx["integration"], ctx["section"], ctx["project"]
    page = url_for(
        "project_admin.sync_section",
        project_id=project.id,
        integration_id=integration.id,
        slug=slug,
    )
    try:
        project_links.remote_project_id(integration, project)
        run = jobs.start_sync(
            integration,
            section,
            current_user,
            full=request.form.get("full") == "y"
            or project_links.needs_full_run(integration, section, project),
            preview=request.form.get("preview") == "y",
            project=project,
        )
    except PortalError as error:
        if not htmx:
            flash(error.message, "error")
            return redirect(page, 303)
        return fragment_with_toast(
            "company_sync/_start_error.html",
            error.message,
            "error",
            error_message=error.message,
        )
    return render_progress(run, polling=False) if htmx else redirect(page, 303)


@bp.get("/<int:project_id>/integration/<int:integration_id>/<slug>/historique")
@login_required
@superadmin_required
def sync_history(project_id: int, integration_id: int, slug: str):
    """The last runs, reloaded when a run ends."""
    ctx = _section_context(project_id, integration_id, slug)
    return render_template(
        "company_sync/_history.html",
        **ctx,
        history=runs.history(ctx["integration"], ctx["section"], ctx["project"]),
    )
