"""Synchronisation planifiée of a company section, and the banner of failed scheduled runs."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from portal.blueprints import scheduling
from portal.blueprints.access import superadmin_required
from portal.blueprints.company_sync import SECTIONS, bp
from portal.extensions import db
from portal.i18n import gettext as _
from portal.services import integrations, schedule_status


def schedule_urls(integration_id: int, slug: str) -> dict:
    return {
        "page": url_for("company_sync.section", integration_id=integration_id, slug=slug),
        "save": url_for("company_sync.schedule_save", integration_id=integration_id, slug=slug),
        "resume": url_for("company_sync.schedule_resume", integration_id=integration_id, slug=slug),
    }


@bp.app_template_global("schedule_failures")
def schedule_failures(integration) -> list[schedule_status.ScheduleFailure]:
    """The banner's failed scheduled runs of ``integration`` (not yet acknowledged)."""
    return schedule_status.unacknowledged_failures(integration.company_id, integration.id)


@bp.app_template_global("schedule_failure_count")
def schedule_failure_count() -> int:
    """The settings menu's badge: the company's unacknowledged failures (Superadmins)."""
    if not current_user.is_company_superadmin:
        return 0
    return len(schedule_status.unacknowledged_failures(current_user.company_id))


def _section(integration_id: int, slug: str):
    section = SECTIONS.get(slug)
    if section is None:
        abort(404)
    return integrations.get_integration(current_user.company_id, integration_id), section


@bp.post("/<slug>/planification")
@login_required
@superadmin_required
def schedule_save(integration_id: int, slug: str):
    integration, section = _section(integration_id, slug)
    urls = schedule_urls(integration_id, slug)
    return scheduling.save_from_form(integration, section, None, urls)


@bp.post("/<slug>/planification/reprendre")
@login_required
@superadmin_required
def schedule_resume(integration_id: int, slug: str):
    integration, section = _section(integration_id, slug)
    urls = schedule_urls(integration_id, slug)
    return scheduling.resume_from_form(integration, section, None, urls)


@bp.post("/planification/vu")
@login_required
@superadmin_required
def schedule_acknowledge(integration_id: int):
    """« J'ai compris » on the banner of failed scheduled runs."""
    integration = integrations.get_integration(current_user.company_id, integration_id)
    schedule_status.acknowledge(current_user.company_id, integration.id, current_user)
    db.session.commit()
    flash(_("Les échecs signalés sont marqués comme vus."), "success")
    return redirect(url_for("settings.integration_detail", integration_id=integration.id), 303)
