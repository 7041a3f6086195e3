"""Feuilles de temps: the weekly sheets, their lines, the status flow (and later the export)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("timesheets", __name__, url_prefix="/feuilles-de-temps")

from portal.blueprints.timesheets import (  # noqa: E402,F401
    corrections,
    export,
    export_batches,
    export_downloads,
    lines,
    pickers,
    reconciliation,
    sheets,
    status,
)
