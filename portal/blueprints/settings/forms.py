"""Forms of the company settings: they parse; the services validate and say what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
)

from portal.blueprints.forms import enum_coerce, parse_id
from portal.i18n import lazy_gettext as _l
from portal.models import ExpenseKind, Licence, TimesheetPermission


class CatalogForm(FlaskForm):
    """Métier, type d'heures or dépense/prime; the view drops the fields a list does not use."""

    code = StringField(_l("Code"))
    name = StringField(_l("Nom"))
    kind = SelectField(
        _l("Nature"),
        choices=[SelectChoice("", _l("— Choisir —")), *ExpenseKind.choices()],
        coerce=enum_coerce(ExpenseKind),
    )
    unit = StringField(_l("Unité (ex. km)"))
    is_regular = BooleanField(_l("Type régulier"))
    active = BooleanField(_l("Actif"), default=True)


class UserForm(FlaskForm):
    """An employee; the view fills the choices of ``default_trade_id``."""

    employee_number = StringField(_l("Numéro d'employé"))
    first_name = StringField(_l("Prénom"))
    last_name = StringField(_l("Nom"))
    email = EmailField(_l("Courriel"))
    licence = SelectField(
        _l("Licence"),
        choices=Licence.choices(),
        coerce=enum_coerce(Licence),
        default=Licence.NONE.value,
    )
    is_superadmin = BooleanField(_l("Superadmin"))
    timesheet_permission = SelectField(
        _l("Permission feuilles de temps"),
        choices=TimesheetPermission.choices(),
        coerce=enum_coerce(TimesheetPermission),
        default=TimesheetPermission.LIMITED.value,
    )
    default_trade_id = SelectField(_l("Métier habituel"), coerce=parse_id, validate_choice=False)
    password = PasswordField(_l("Mot de passe"))


#: The "État" filter of the employee list: its values and what they select.
USER_STATES = {"actifs": True, "inactifs": False, "tous": None}


class UserFilterForm(Form):
    """The GET filters of the employee list (no CSRF: they change nothing)."""

    q = SearchField(_l("Rechercher (nom, courriel, numéro)"))
    licence = SelectField(
        _l("Licence"),
        choices=[SelectChoice("", _l("Toutes")), *Licence.choices()],
        coerce=enum_coerce(Licence),
    )
    etat = SelectField(
        _l("État"),
        choices=[
            SelectChoice("actifs", _l("Actifs")),
            SelectChoice("inactifs", _l("Inactifs")),
            SelectChoice("tous", _l("Tous")),
        ],
        default="actifs",
    )
    provisoire = BooleanField(_l("Adresse provisoire seulement"))

    def criteria(self) -> dict:
        """The filters as keyword arguments of ``services.users.list_users``."""
        return {
            "search": self.q.data or "",
            "licence": self.licence.data,
            "active": USER_STATES.get(self.etat.data, True),
            "placeholder_only": bool(self.provisoire.data),
        }
