"""Autres intégrations → the company's time zone, in which daily schedules are read and every
time is shown."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.access import superadmin_required
from portal.blueprints.settings import bp
from portal.errors import ValidationError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.services import schedules

#: The zones a Canadian contractor works in, from east to west.
CANADIAN_ZONES = (
    ("America/St_Johns", _l("Terre-Neuve")),
    ("America/Halifax", _l("Atlantique")),
    ("America/Toronto", _l("Est (Québec, Ontario)")),
    ("America/Winnipeg", _l("Centre")),
    ("America/Regina", _l("Saskatchewan")),
    ("America/Edmonton", _l("Rocheuses")),
    ("America/Vancouver", _l("Pacifique")),
)


@bp.app_template_global("time_zone_choices")
def time_zone_choices() -> tuple:
    return CANADIAN_ZONES


@bp.post("/fuseau-horaire")
@login_required
@superadmin_required
def time_zone_save():
    try:
        schedules.set_time_zone(
            current_user.company_id, request.form.get("time_zone", ""), current_user
        )
        db.session.commit()
        flash(
            _("Fuseau horaire enregistré : les planifications quotidiennes le suivent."), "success"
        )
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("settings.integration_list"), 303)
