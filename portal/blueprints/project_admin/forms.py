"""Forms of the project screens: they parse; ``services.projects`` validates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, SearchField, SelectChoice, SelectField, StringField

from portal.blueprints.forms import enum_coerce
from portal.i18n import lazy_gettext as _l
from portal.models import ProjectStatus


class ProjectForm(FlaskForm):
    number = StringField(_l("Numéro"))
    name = StringField(_l("Nom"))
    status = SelectField(
        _l("Statut"),
        choices=ProjectStatus.choices(),
        coerce=enum_coerce(ProjectStatus),
        default=ProjectStatus.ACTIVE.value,
    )


class ActivityForm(FlaskForm):
    """An activity; each form of the page has its own prefix, so its ids stay unique."""

    code = StringField(_l("Code"))
    name = StringField(_l("Nom"))


class ProjectFilterForm(Form):
    """The GET filters of the project list (no CSRF: they change nothing)."""

    q = SearchField(_l("Rechercher (numéro, nom)"))
    statut = SelectField(
        _l("Statut"),
        choices=[SelectChoice("", _l("Tous")), *ProjectStatus.choices()],
        coerce=enum_coerce(ProjectStatus),
    )


def make_activity_form(activity=None, *, submitted: bool = False) -> ActivityForm:
    """The add form (``activity`` None) or the form of one row, from the request if submitted."""
    prefix = f"activite-{activity.id}" if activity is not None else "activite"
    if submitted:
        return ActivityForm(prefix=prefix)
    return ActivityForm(formdata=None, obj=activity, prefix=prefix)
