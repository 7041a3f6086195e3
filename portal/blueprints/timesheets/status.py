"""The status flow: submit, validate, reject, freeze. The service checks every rule."""

from __future__ import annotations

from flask_login import current_user, login_required

from portal.blueprints.access import timesheet_permission_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.timesheets import bp, context, forms
from portal.errors import ValidationError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import TimesheetPermission
from portal.services import timesheet_status, timesheets


def _locked_sheet(sheet_id: int):
    """The sheet, its row locked until the commit on PostgreSQL (a freeze and an edit cannot
    cross); on every database the transition's conditional UPDATE decides who wins."""
    return timesheets.get_sheet(current_user.company_id, current_user, sheet_id, for_update=True)


@bp.post("/<int:sheet_id>/soumettre")
@login_required
def submit(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    timesheet_status.submit(current_user.company_id, current_user, sheet)
    db.session.commit()
    return context.changed(sheet, _("Feuille soumise pour validation."), "_sheet")


@bp.post("/<int:sheet_id>/valider")
@login_required
@timesheet_permission_required(TimesheetPermission.EXTENDED)
def validate(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    timesheet_status.validate(current_user.company_id, current_user, sheet)
    db.session.commit()
    return context.changed(sheet, _("Feuille validée."), "_sheet")


@bp.post("/<int:sheet_id>/rejeter")
@login_required
@timesheet_permission_required(TimesheetPermission.EXTENDED)
def reject(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    form = forms.RejectForm()
    try:
        timesheet_status.reject(
            current_user.company_id, current_user, sheet, form.reason.data or ""
        )
    except ValidationError as error:
        if not error.field_errors:
            raise
        db.session.rollback()
        apply_errors(form, error)
        sheet = timesheets.get_sheet(current_user.company_id, current_user, sheet_id)
        return context.render_sheet(sheet, "_sheet", "sheet", reject_form=form)
    db.session.commit()
    return context.changed(
        sheet, _("Feuille rejetée : l'employé verra le motif et pourra la corriger."), "_sheet"
    )


@bp.post("/<int:sheet_id>/geler")
@login_required
@timesheet_permission_required(TimesheetPermission.ADMIN)
def freeze(sheet_id: int):
    sheet = _locked_sheet(sheet_id)
    timesheet_status.freeze(current_user.company_id, current_user, sheet)
    db.session.commit()
    return context.changed(sheet, _("Feuille gelée : plus personne ne peut la modifier."), "_sheet")
