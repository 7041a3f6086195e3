"""The schedule card of a section (company or project): parse its form, save, render."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_login import current_user

from portal.blueprints.rendering import fragment_with_toast
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import Integration, Project, ScheduleMode, SyncSection
from portal.services import schedule_status, schedules


def card_context(
    integration: Integration, section: SyncSection, project: Project | None, urls: dict
) -> dict:
    """What ``company_sync/_schedule.html`` needs (``urls``: ``save`` and ``resume``)."""
    return {
        "schedule": schedule_status.schedule_card(integration, section, project),
        "schedule_urls": urls,
        "schedule_modes": list(ScheduleMode),
        "time_zone": integration.company.time_zone,
    }


def _card(integration, section, project, urls, message: str, level: str, error: str | None):
    """The card again with the outcome as a toast (htmx), else a flash and the page."""
    if not htmx:
        flash(message, level)
        return redirect(urls["page"], 303)
    return fragment_with_toast(
        "company_sync/_schedule.html",
        message,
        level,
        **card_context(integration, section, project, urls),
        schedule_error=error,
    )


def save_from_form(integration: Integration, section: SyncSection, project: Project | None, urls):
    """Save the schedule the card's form chose; the card again, with the outcome."""
    try:
        mode = ScheduleMode(request.form.get("mode", ""))
    except ValueError:
        mode = None
    try:
        if mode is None:
            raise ValidationError(message=_("Choisissez Manuel, Chaque heure ou Chaque jour."))
        schedules.save_schedule(
            integration, section, project, mode, request.form.get("daily_at", "")[:5], current_user
        )
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        return _card(integration, section, project, urls, error.message, "error", error.message)
    return _card(
        integration, section, project, urls, _("Planification enregistrée."), "success", None
    )


def resume_from_form(integration: Integration, section: SyncSection, project: Project | None, urls):
    schedule = schedules.schedule_for(integration, section, project)
    if schedule is not None:
        schedules.resume(schedule, current_user)
        db.session.commit()
    message = _("Planification reprise : la prochaine exécution est à l'heure prévue.")
    return _card(integration, section, project, urls, message, "success", None)
