"""Dégeler and Corrigée dans Avantage: the routes parse and render, the service decides."""

from __future__ import annotations

from flask_login import current_user, login_required

from portal.blueprints.access import timesheet_permission_required
from portal.blueprints.forms import apply_errors, parse_id
from portal.blueprints.timesheets import bp, context, forms
from portal.errors import ValidationError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import TimesheetPermission
from portal.services import corrections, timesheets


def _locked_sheet(sheet_id: int):
    return timesheets.get_sheet(current_user.company_id, current_user, sheet_id, for_update=True)


@bp.get("/<int:sheet_id>/corrections")
@login_required
def revisions(sheet_id: int):
    """The corrections region, redrawn after each change of a line (htmx)."""
    sheet = timesheets.get_sheet(current_user.company_id, current_user, sheet_id)
    return context.render_sheet(sheet, "_revisions", "sheet-revisions")


@bp.post("/<int:sheet_id>/degeler")
@login_required
@timesheet_permission_required(TimesheetPermission.ADMIN)
def unfreeze(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    form = forms.UnfreezeForm()
    reconciliation = corrections.reconciliation_for(
        current_user.company_id, sheet, parse_id(form.reconciliation.data)
    )
    try:
        revision = corrections.unfreeze(
            current_user.company_id, current_user, sheet, form.reason.data, reconciliation
        )
    except ValidationError as error:
        if not error.field_errors:
            raise
        db.session.rollback()
        apply_errors(form, error)
        sheet = timesheets.get_sheet(current_user.company_id, current_user, sheet_id)
        return context.render_sheet(sheet, "_sheet", "sheet", unfreeze_form=form)
    db.session.commit()
    message = _(
        "Feuille dégelée : c'est maintenant la révision %(revision)s, en brouillon. Corrigez-la, "
        "soumettez-la et faites-la valider, puis envoyez-la à Avantage.",
        revision=revision.label,
    )
    return context.changed(sheet, message, "_sheet")


@bp.post("/<int:sheet_id>/corrigee-dans-avantage")
@login_required
@timesheet_permission_required(TimesheetPermission.ADMIN)
def corrected_outside(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    integration = sheet.last_export.integration if sheet.last_export else None
    corrections.record_corrected_outside(current_user.company_id, current_user, sheet, integration)
    db.session.commit()
    message = _("Correction notée comme saisie dans Avantage : la feuille est de nouveau gelée.")
    return context.changed(sheet, message, "_sheet")
