"""Paramètres de la compagnie: licences, coded lists, and (later) integrations."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required

from portal.blueprints.access import manager_required

bp = Blueprint("settings", __name__, url_prefix="/parametres")


@bp.get("/")
@login_required
@manager_required
def index():
    return redirect(url_for("settings.users"))


from portal.blueprints.settings import (  # noqa: E402,F401
    catalog,
    integrations,
    setup_checklist,
    suppliers,
    time_zone,
    users,
)
