"""Hour and expense lines, added, edited and deleted in place; the dependent selects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, render_template, request
from flask_login import current_user, login_required

from portal.blueprints.forms import apply_errors, parse_id
from portal.blueprints.timesheets import bp, context, forms
from portal.errors import ValidationError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import ExpenseLine, HourLine
from portal.services import timesheet_lines, timesheets


@dataclass(frozen=True)
class LineKind:
    """One kind of line: its URL segment, model, form, service and templates."""

    slug: str  # in the URL
    name: str  # in ids, templates and ``Editing.kind``
    model: type
    make_form: Callable
    make_data: Callable
    save: Callable

    @property
    def region(self) -> str:
        """The id of the section listing these lines."""
        return f"{self.name}-lines"

    @property
    def section(self) -> str:
        """The template of that section."""
        return f"_{self.name}_lines"


KINDS = {
    kind.slug: kind
    for kind in (
        LineKind(
            "heures",
            "hour",
            HourLine,
            forms.hour_form,
            forms.hour_data,
            timesheet_lines.save_hour_line,
        ),
        LineKind(
            "depenses",
            "expense",
            ExpenseLine,
            forms.expense_form,
            forms.expense_data,
            timesheet_lines.save_expense_line,
        ),
    )
}
LINE_URL = "/<int:sheet_id>/<any(heures, depenses):kind>/<int:line_id>"


def _sheet_and_line(kind: LineKind, sheet_id: int, line_id: int, *, for_update: bool = False):
    sheet = timesheets.get_sheet(
        current_user.company_id, current_user, sheet_id, for_update=for_update
    )
    return sheet, timesheet_lines.get_line(kind.model, sheet, line_id)


@bp.post("/employes/<int:employee_id>/<monday>/<any(heures, depenses):kind>")
@login_required
def line_create(employee_id: int, monday: str, kind: str):
    """Add a line to the week, creating the sheet with its first line."""
    section, company_id = KINDS[kind], current_user.company_id
    employee, start = context.employee(employee_id), context.monday(monday)
    sheet = timesheets.find_week(company_id, current_user, employee, start)
    form = section.make_form(company_id, sheet, submitted=True)
    try:
        sheet = timesheets.open_week(company_id, current_user, employee, start)
        section.save(company_id, current_user, sheet, section.make_data(form))
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        sheet = timesheets.find_week(company_id, current_user, employee, start)
        return context.render_sheet(
            sheet, section.section, section.region, **{f"{section.name}_form": form}
        )
    db.session.commit()
    message = _("Ligne ajoutée.")
    if len(sheet.hour_lines) + len(sheet.expense_lines) == 1:
        # The first line creates the sheet: its status region changes too.
        return context.changed(sheet, message, "_sheet", retarget="#sheet")
    return context.changed(sheet, message, section.section)


@bp.get(LINE_URL)
@login_required
def line_row(sheet_id: int, kind: str, line_id: int):
    section = KINDS[kind]
    sheet, line = _sheet_and_line(section, sheet_id, line_id)
    return context.render_sheet(
        sheet, f"_{section.name}_row", f"{section.name}-{line.id}", line=line
    )


@bp.get(f"{LINE_URL}/modifier")
@login_required
def line_edit(sheet_id: int, kind: str, line_id: int):
    section, company_id = KINDS[kind], current_user.company_id
    sheet, line = _sheet_and_line(section, sheet_id, line_id)
    timesheets.ensure_editable(company_id, current_user, sheet)
    form = section.make_form(company_id, sheet, line)
    return context.render_sheet(
        sheet,
        f"_{section.name}_row_form",
        f"{section.name}-{line.id}",
        editing=context.Editing(section.name, line.id, form),
        line=line,
        form=form,
    )


@bp.post(LINE_URL)
@login_required
def line_update(sheet_id: int, kind: str, line_id: int):
    section, company_id = KINDS[kind], current_user.company_id
    sheet, line = _sheet_and_line(section, sheet_id, line_id, for_update=True)
    form = section.make_form(company_id, sheet, line, submitted=True)
    try:
        section.save(company_id, current_user, sheet, section.make_data(form), line)
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        sheet, line = _sheet_and_line(section, sheet_id, line_id)
        return context.render_sheet(
            sheet,
            f"_{section.name}_row_form",
            f"{section.name}-{line.id}",
            editing=context.Editing(section.name, line.id, form),
            line=line,
            form=form,
        )
    db.session.commit()
    return context.changed(
        sheet, _("Ligne enregistrée."), section.section, retarget=f"#{section.region}"
    )


@bp.post(f"{LINE_URL}/supprimer")
@login_required
def line_delete(sheet_id: int, kind: str, line_id: int):
    section = KINDS[kind]
    sheet, line = _sheet_and_line(section, sheet_id, line_id, for_update=True)
    timesheet_lines.delete_line(current_user.company_id, current_user, sheet, line)
    db.session.commit()
    return context.changed(
        sheet, _("Ligne supprimée."), section.section, retarget=f"#{section.region}"
    )


def _prefix() -> str:
    """The form prefix the dependent select belongs to (``hour-new-``, ``expense-12-``…)."""
    prefix = request.args.get("prefix", "")
    if len(prefix) > 40:
        abort(400)
    return prefix


@bp.get("/activites")
@login_required
def activity_options():
    """The activity options of the project chosen in the form (htmx ``hx-get`` on change).

    The activity chosen before stays chosen when it belongs to the project; a lone one is chosen.
    """
    prefix = _prefix()
    project_id = parse_id(request.args.get(f"{prefix}project_id"))
    choices = forms.activity_choices(current_user.company_id, project_id)
    values = [choice.value for choice in choices[1:]]
    chosen = request.args.get(f"{prefix}activity_id", "")
    selected = chosen if chosen in values else values[0] if len(values) == 1 else ""
    return render_template("timesheets/_activity_options.html", choices=choices, selected=selected)


@bp.get("/valeur-depense")
@login_required
def expense_value_field():
    """The value field, labelled for the kind of the chosen expense or bonus (htmx)."""
    form = forms.value_field_form(current_user.company_id, _prefix(), request.args)
    return render_template("timesheets/_expense_value_field.html", form=form)
