"""Projets and Admin du projet: the company's projects and their budget activities."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("project_admin", __name__, url_prefix="/projets")

from portal.blueprints.project_admin import (  # noqa: E402,F401  (routes)
    activities,
    integration,
    orders,
    projects,
    schedule,
)
