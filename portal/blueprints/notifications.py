"""Notifications: what the portal told the signed-in person, and whether by e-mail too."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.forms import page_number
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models.base import utcnow
from portal.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global("notification_count")
def notification_count() -> int | None:
    """The menu's badge: unread notifications; None for people never notified of anything."""
    user = current_user
    if not (user.is_company_superadmin or user.is_timesheet_admin):
        return None
    return notifications.unread_count(user)


@bp.get("/")
@login_required
def index():
    return render_template(
        "notifications/index.html",
        shown=notifications.page_of(current_user, page_number()),
        mail_configured=bool(current_app.config["MAIL_SERVER"]),
    )


@bp.post("/lues")
@login_required
def mark_read():
    notifications.mark_all_read(current_user, utcnow())
    db.session.commit()
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.post("/courriel")
@login_required
def email_preference():
    wanted = request.form.get("notify_by_email") == "y"
    notifications.set_email_preference(current_user, wanted)
    db.session.commit()
    message = (
        _("Vous recevrez aussi vos notifications par courriel.")
        if wanted
        else _("Vous ne recevrez plus vos notifications par courriel; elles restent ici.")
    )
    flash(message, "success")
    return redirect(url_for("notifications.index"), 303)
