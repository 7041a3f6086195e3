"""Forms of the company settings: they parse; the services validate and say what is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)

from portal.models import ExpenseKind, Licence, TimesheetPermission


def optional_int(value):
    """Coerce a select value to an int, '' to None (used for optional foreign keys)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the service reports "choose from the list"


class CatalogForm(FlaskForm):
    """Métier, type d'heures or dépense/prime; the view drops the fields a list does not use."""

    code = StringField(_l("Code"))
    name = StringField(_l("Nom"))
    kind = SelectField(
        _l("Nature"), choices=[SelectChoice("", _l("— Choisir —")), *ExpenseKind.choices()]
    )
    unit = StringField(_l("Unité (ex. km)"))
    is_regular = BooleanField(_l("Type régulier"))
    active = BooleanField(_l("Actif"), default=True)


class UserForm(FlaskForm):
    employee_number = StringField(_l("Numéro d'employé"))
    first_name = StringField(_l("Prénom"))
    last_name = StringField(_l("Nom"))
    email = EmailField(_l("Courriel"))
    licence = SelectField(_l("Licence"), choices=Licence.choices(), default=Licence.NONE.value)
    is_superadmin = BooleanField(_l("Superadmin"))
    timesheet_permission = SelectField(
        _l("Permission feuilles de temps"),
        choices=TimesheetPermission.choices(),
        default=TimesheetPermission.LIMITED.value,
    )
    default_trade_id = SelectField(
        _l("Métier habituel"), coerce=optional_int, validate_choice=False
    )
    password = PasswordField(_l("Mot de passe"))
