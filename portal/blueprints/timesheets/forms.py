"""Forms of the timesheets module: they parse and offer the choices; the services validate."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_decimal, to_user_timezone
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from portal import formatting
from portal.blueprints.forms import parse_id, positive
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import (
    ExpenseKind,
    ExpenseType,
    HourType,
    Timesheet,
    TimesheetStatus,
    Trade,
    User,
)
from portal.models.base import utcnow
from portal.services import catalog, employee_search, projects, timesheet_lines, timesheets
from portal.services.timesheet_lines import ExpenseLineData, HourLineData


def parse_day(value) -> date | None:
    """An ISO date (``2026-11-23``), or None when the text is not one."""
    if isinstance(value, date) or value is None:
        return value
    text = str(value).strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def today() -> date:
    """Today in the company's time zone (not the server's)."""
    return to_user_timezone(utcnow()).date()


class LineForm(FlaskForm):
    work_date = SelectField(_l("Date"), coerce=parse_day, validate_choice=False)
    project_id = SelectField(_l("Projet"), coerce=parse_id, validate_choice=False)
    activity_id = SelectField(_l("Activité"), coerce=parse_id, validate_choice=False)


class HourLineForm(LineForm):
    trade_id = SelectField(_l("Métier"), coerce=parse_id, validate_choice=False)
    hour_type_id = SelectField(_l("Type d'heures"), coerce=parse_id, validate_choice=False)
    hours = StringField(_l("Heures"))


class ExpenseLineForm(LineForm):
    expense_type_id = SelectField(_l("Dépense ou prime"), coerce=parse_id, validate_choice=False)
    value = StringField(_l("Valeur"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Motif du rejet"))


class UnfreezeForm(FlaskForm):
    reason = TextAreaField(_l("Motif de la correction"))
    #: The Rapprochement that found the difference (Aligner le portail), if any.
    reconciliation = HiddenField(name="rapprochement")


class SheetFilterForm(Form):
    """The GET filters of the list; names are the French query parameters."""

    week = DateField(_l("Semaine du"), name="semaine")
    employee_id = SelectField(_l("Employé"), name="employe", coerce=parse_id, validate_choice=False)
    employee_search = StringField(name="recherche")
    status = SelectField(_l("Statut"), name="statut", validate_choice=False)
    project_id = SelectField(_l("Projet"), name="projet", coerce=parse_id, validate_choice=False)


class WeekForm(Form):
    """Open one week: any day of it, and for reviewers whose week."""

    day = DateField(_l("Aller à la semaine du"), name="date", id="open-week-date")
    employee_id = SelectField(
        _l("Employé"),
        name="employe",
        id="open-week-employee",
        coerce=parse_id,
        validate_choice=False,
    )
    employee_search = StringField(name="recherche")


def _code_name(entry) -> str:
    return f"{entry.code} — {entry.name}"


def _options(entries, placeholder, label=lambda entry: entry.label) -> list[SelectChoice]:
    return [SelectChoice("", placeholder), *(SelectChoice(str(e.id), label(e)) for e in entries)]


def activity_choices(company_id: int, project_id: int | None) -> list[SelectChoice]:
    """The options of the activity select once ``project_id`` is chosen."""
    activities = timesheet_lines.activities_for(company_id, project_id)
    placeholder = (
        _("— Choisir une activité —") if activities else _("— Choisir d'abord un projet —")
    )
    return _options(activities, placeholder)


def _line_form(form_class, company_id: int, sheet: Timesheet, prefix: str, defaults, submitted):
    if submitted:
        form = form_class(prefix=prefix)
    else:
        form = form_class(formdata=None, prefix=prefix, data=defaults)
    form.work_date.choices = [
        SelectChoice(day.isoformat(), formatting.day(day, "EEEE d MMMM")) for day in sheet.days
    ]
    form.project_id.choices = _options(
        projects.active_projects(company_id), _("— Choisir un projet —")
    )
    form.activity_id.choices = activity_choices(company_id, form.project_id.data)
    return form


def _defaults(sheet: Timesheet, lines: list) -> dict:
    """A new line starts the day after the last one, on the last project used."""
    if lines:
        day = min(max(line.work_date for line in lines) + timedelta(days=1), sheet.week_end)
    else:
        day = today() if sheet.week_start <= today() <= sheet.week_end else sheet.week_start
    latest = max(lines, key=lambda line: line.id, default=None)
    return {
        "work_date": day,
        "project_id": latest.project_id if latest else None,
        "activity_id": latest.activity_id if latest else None,
        "trade_id": getattr(latest, "trade_id", None),
    }


def hour_form(company_id: int, sheet: Timesheet, line=None, *, submitted=False) -> HourLineForm:
    """The hour line form: the request's values when ``submitted``, else the line's or defaults."""
    if line is not None:
        defaults = {
            "work_date": line.work_date,
            "project_id": line.project_id,
            "activity_id": line.activity_id,
            "trade_id": line.trade_id,
            "hour_type_id": line.hour_type_id,
            "hours": format_decimal(line.hours, "0.##"),
        }
    else:
        defaults = _defaults(sheet, sheet.hour_lines)
        defaults["trade_id"] = sheet.employee.default_trade_id or defaults["trade_id"]
    prefix = f"hour-{line.id}" if line else "hour-new"
    form = _line_form(HourLineForm, company_id, sheet, prefix, defaults, submitted)
    form.trade_id.choices = _options(
        catalog.list_entries(Trade, company_id, active_only=True),
        _("— Choisir un métier —"),
        _code_name,
    )
    form.hour_type_id.choices = _options(
        catalog.list_entries(HourType, company_id, active_only=True),
        _("Régulier (type par défaut de la compagnie)"),
        _code_name,
    )
    regular = catalog.regular_hour_type(company_id)
    form.hour_type_id.description = (
        _("Laissez vide pour le type régulier (%(name)s).", name=regular.name)
        if regular
        else _("Laissez vide pour le type régulier de la compagnie.")
    )
    form.hours.description = _("Par exemple 7,5 (au plus 24 par jour).")
    return form


def _expense_label(expense_type: ExpenseType) -> str:
    unit = {
        ExpenseKind.AMOUNT: "$",
        ExpenseKind.QUANTITY: expense_type.unit or _("quantité"),
        ExpenseKind.HOURS: _("heures à prime"),
    }[expense_type.kind]
    return f"{expense_type.code} — {expense_type.name} ({unit})"


def describe_value(form: ExpenseLineForm, expense_type: ExpenseType | None) -> None:
    """Label and hint of the value field follow the kind of the chosen expense or bonus."""
    field = form.value
    if expense_type is None:
        field.label.text = _("Valeur")
        field.description = _(
            "Choisissez d'abord la dépense ou prime : montant, quantité ou heures."
        )
    elif expense_type.kind == ExpenseKind.AMOUNT:
        field.label.text = _("Montant ($)")
        field.description = _("En dollars, par exemple 12,50.")
    elif expense_type.kind == ExpenseKind.QUANTITY:
        unit = expense_type.unit or _("unités")
        field.label.text = _("Quantité (%(unit)s)", unit=unit)
        field.description = _("En %(unit)s, par exemple 42.", unit=unit)
    else:
        field.label.text = _("Heures à prime")
        field.description = _("Heures payées à prime, par exemple 2,5 (au plus 24).")


def _chosen_expense_type(company_id: int, form: ExpenseLineForm) -> ExpenseType | None:
    types = catalog.list_entries(ExpenseType, company_id, active_only=True)
    form.expense_type_id.choices = _options(
        types, _("— Choisir une dépense ou prime —"), _expense_label
    )
    return next((t for t in types if t.id == form.expense_type_id.data), None)


def expense_form(company_id: int, sheet: Timesheet, line=None, *, submitted=False):
    """The expense line form: the request's values when ``submitted``, else the line's."""
    if line is not None:
        defaults = {
            "work_date": line.work_date,
            "project_id": line.project_id,
            "activity_id": line.activity_id,
            "expense_type_id": line.expense_type_id,
            "value": format_decimal(line.value, "0.##"),
        }
    else:
        defaults = _defaults(sheet, sheet.expense_lines or sheet.hour_lines)
    prefix = f"expense-{line.id}" if line else "expense-new"
    form = _line_form(ExpenseLineForm, company_id, sheet, prefix, defaults, submitted)
    describe_value(form, _chosen_expense_type(company_id, form))
    return form


def value_field_form(company_id: int, prefix: str, args) -> ExpenseLineForm:
    """Only the value field, relabelled for the expense type chosen in ``args`` (htmx)."""
    form = ExpenseLineForm(formdata=args, prefix=prefix, meta={"csrf": False})
    describe_value(form, _chosen_expense_type(company_id, form))
    return form


def hour_data(form: HourLineForm) -> HourLineData:
    return HourLineData(
        work_date=form.work_date.data,
        project_id=form.project_id.data,
        activity_id=form.activity_id.data,
        trade_id=form.trade_id.data,
        hour_type_id=form.hour_type_id.data,
        hours=form.hours.data or "",
    )


def expense_data(form: ExpenseLineForm) -> ExpenseLineData:
    return ExpenseLineData(
        work_date=form.work_date.data,
        project_id=form.project_id.data,
        activity_id=form.activity_id.data,
        expense_type_id=form.expense_type_id.data,
        value=form.value.data or "",
    )


def _people(company_id: int, actor: User, form, *, active_only: bool, placeholder) -> None:
    """Give the form's employee select the screenful its search finds (everyone's first
    screenful before a search), the chosen person kept; the picker's status line reads
    ``form.employee_matches``."""
    field = form.employee_id
    matches = employee_search.picker_matches(
        company_id,
        actor,
        form.employee_search.data or "",
        active_only=active_only,
        chosen_id=positive(field.data),
    )
    people = [matches.kept, *matches.people] if matches.kept else matches.people
    field.choices = _options(people, placeholder, employee_search.employee_label)
    form.employee_matches = matches


def filter_form(company_id: int, actor: User, args) -> SheetFilterForm:
    """The list's filters from the query string; limited users get no employee filter."""
    form = SheetFilterForm(args)
    form.status.choices = [SelectChoice("", _("Tous les statuts")), *TimesheetStatus.choices()]
    form.project_id.choices = _options(
        timesheets.filter_projects(company_id), _("Tous les projets")
    )
    if timesheets.is_reviewer(actor):
        _people(company_id, actor, form, active_only=False, placeholder=_("Tous les employés"))
    else:
        del form.employee_id, form.employee_search
    return form


def week_form(
    company_id: int, actor: User, sheet: Timesheet | None = None, args=None, search: str = ""
):
    """Open a week: the sheet's (or the query's) day and employee as starting values;
    ``search``, a search that did not settle on one person (see ``open_week``)."""
    form = WeekForm(
        args,
        day=sheet.week_start if sheet else today(),
        employee_id=sheet.employee_id if sheet else actor.id,
        employee_search=search,
    )
    if timesheets.is_reviewer(actor):
        _people(company_id, actor, form, active_only=True, placeholder=_("— Choisir un employé —"))
    else:
        del form.employee_id, form.employee_search
    return form
