"""Admin du projet → Bons de commande: the purchase orders Avantage holds for the project."""

from __future__ import annotations

from flask_login import current_user, login_required

from portal.blueprints.access import manager_required
from portal.blueprints.forms import page_number
from portal.blueprints.project_admin import bp
from portal.blueprints.project_admin.projects import page_context
from portal.blueprints.rendering import page_or_fragment
from portal.services import projects, purchase_orders


@bp.get("/<int:project_id>/bons-de-commande")
@login_required
@manager_required
def orders(project_id: int):
    """A page of the project's purchase orders (the section alone for htmx)."""
    project = projects.get_project(current_user.company_id, project_id)
    page = page_number()
    return page_or_fragment(
        "project_admin/project.html",
        "project_admin/_orders.html",
        fragment_target="project-orders",
        **page_context(project),
        orders=purchase_orders.project_orders(current_user.company_id, project, page),
    )
