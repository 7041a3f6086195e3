"""Historique: the company's sync runs and payroll batches, filtered and paginated."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from portal.blueprints.access import requires
from portal.blueprints.forms import page_number
from portal.i18n import lazy_gettext as _l
from portal.models import BatchStatus, RunStatus, SyncSection
from portal.services import history, schedules

bp = Blueprint("history", __name__, url_prefix="/historique")

history_reader_required = requires(
    lambda user: user.is_company_superadmin or user.is_timesheet_admin,
    _l(
        "L'historique est réservé aux Superadmins et aux administrateurs des feuilles de temps. "
        "Demandez l'accès à un Superadmin."
    ),
)


@bp.get("/")
@login_required
@history_reader_required
def index():
    """Superadmins see every run and batch; timesheet Admins, the payroll batches."""
    filters = history.filters_from(request.args)
    with_runs = current_user.is_company_superadmin
    shown = history.history_page(
        current_user.company_id,
        filters,
        schedules.company_zone(current_user.company_id),
        page=page_number(),
        with_runs=with_runs,
    )
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "history/index.html",
        shown=shown,
        args=args,
        with_runs=with_runs,
        sections=list(SyncSection),
        run_statuses=list(RunStatus),
        batch_statuses=list(BatchStatus),
        starters=history.starters(current_user.company_id),
    )
