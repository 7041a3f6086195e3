"""Synchronisation planifiée of a project's Activités, Budget or Bons de commande."""

from __future__ import annotations

from flask_login import login_required

from portal.blueprints import scheduling
from portal.blueprints.access import superadmin_required
from portal.blueprints.project_admin import bp
from portal.blueprints.project_admin.integration import _section_context, schedule_urls


@bp.post("/<int:project_id>/integration/<int:integration_id>/<slug>/planification")
@login_required
@superadmin_required
def schedule_save(project_id: int, integration_id: int, slug: str):
    ctx = _section_context(project_id, integration_id, slug)
    urls = schedule_urls(project_id, integration_id, slug)
    return scheduling.save_from_form(ctx["integration"], ctx["section"], ctx["project"], urls)


@bp.post("/<int:project_id>/integration/<int:integration_id>/<slug>/planification/reprendre")
@login_required
@superadmin_required
def schedule_resume(project_id: int, integration_id: int, slug: str):
    ctx = _section_context(project_id, integration_id, slug)
    urls = schedule_urls(project_id, integration_id, slug)
    return scheduling.resume_from_form(ctx["integration"], ctx["section"], ctx["project"], urls)
