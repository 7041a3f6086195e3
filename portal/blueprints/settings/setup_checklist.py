"""Mise en route: the checklist that opens the integration page, and its refresh (htmx)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from portal.blueprints.access import superadmin_required
from portal.blueprints.settings import bp
from portal.models import Integration
from portal.services import integrations, setup_checklist


def checklist_of(integration: Integration) -> setup_checklist.Checklist:
    """The integration's checklist, its sections named by their Synchroniser tabs' URLs."""
    from portal.blueprints.company_sync import SECTIONS  # company_sync imports settings

    slugs = {section: slug for slug, section in SECTIONS.items()}
    return setup_checklist.checklist(integration, slugs)


@bp.get("/integrations/<int:integration_id>/mise-en-route")
@login_required
@superadmin_required
def setup_checklist_region(integration_id: int):
    integration = integrations.get_integration(current_user.company_id, integration_id)
    return render_template(
        "settings/_setup_checklist.html",
        integration=integration,
        checklist=checklist_of(integration),
    )
