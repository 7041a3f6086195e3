"""The employee pickers' search: the options of an employee select narrowed to a few words."""

from __future__ import annotations

import re

from flask import abort, render_template, request
from flask_login import current_user, login_required

from portal.blueprints.access import timesheet_permission_required
from portal.blueprints.forms import parse_id
from portal.blueprints.timesheets import bp
from portal.i18n import gettext as _
from portal.models import TimesheetPermission
from portal.services import employee_search, users

#: The id of the select whose options are answered (its status line is ``<id>-status``).
_SELECT_ID = re.compile(r"[A-Za-z][\w-]{0,60}")


@bp.get("/employes/options")
@login_required
@timesheet_permission_required(TimesheetPermission.EXTENDED)
def employee_options():
    """The ``<option>``s of an employee picker for the search ``recherche`` (htmx swaps them
    into the select), the person already chosen kept, and the picker's status line."""
    select_id = request.args.get("cible", "")
    if not _SELECT_ID.fullmatch(select_id):
        abort(400)
    chosen = parse_id(request.args.get("employe"))
    text = request.args.get("recherche", "")
    matches = employee_search.search_employees(
        current_user.company_id,
        current_user,
        text,
        active_only=request.args.get("actifs") == "1",
        keep_id=chosen,
    )
    return render_template(
        "timesheets/_employee_options.html",
        matches=matches,
        chosen=chosen,
        text=text.strip()[: users.MAX_SEARCH_LENGTH],
        select_id=select_id,
        placeholder=(
            _("Tous les employés")
            if request.args.get("vide") == "tous"
            else _("— Choisir un employé —")
        ),
        label=employee_search.employee_label,
    )
