"""Journal d'audit: who changed the integration, the payroll or the rights, and when."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from portal.blueprints.access import superadmin_required
from portal.blueprints.forms import page_number
from portal.blueprints.rendering import csv_download
from portal.services import audit_log, schedules, spreadsheet

bp = Blueprint("audit_journal", __name__, url_prefix="/journal")


def _filters_and_zone():
    return audit_log.filters_from(request.args), schedules.company_zone(current_user.company_id)


@bp.get("/")
@login_required
@superadmin_required
def index():
    filters, zone = _filters_and_zone()
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "audit/index.html",
        shown=audit_log.events_page(current_user.company_id, filters, zone, page_number()),
        filters=filters,
        args=args,
        categories=audit_log.categories(),
        actors=audit_log.actors(current_user.company_id),
        changes=audit_log.changes,
    )


@bp.get("/journal.csv")
@login_required
@superadmin_required
def export_csv():
    """Every event the filters keep, streamed (in French « ; » between cells)."""
    filters, zone = _filters_and_zone()
    chosen = spreadsheet.dialect(str(get_locale()))
    chunks = audit_log.csv_lines(current_user.company_id, filters, zone, chosen)
    return csv_download(chunks, "journal-audit")
