"""Translated messages whose numbers read in the reader's locale.

gettext's ``%(num)d`` prints « 20000 »; an office in Québec reads « 20 000 ». These
wrappers translate as Flask-Babel does, then format every number variable with
:func:`portal.formatting.number` before interpolating it, so a message id may keep
``%(num)d``. An identifier (a port, a batch id) is passed as a string, which is left alone.
Templates get them as ``_``, ``gettext`` and ``ngettext``; Python code imports them instead
of Flask-Babel's.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import LazyString, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from portal.formatting import number

_INTEGER_PLACEHOLDER = re.compile(r"%\((\w+)\)d")


def _localized(variables: dict[str, Any]) -> dict[str, Any]:
    return {
        name: number(value)
        if isinstance(value, int | Decimal | float) and not isinstance(value, bool)
        else value
        for name, value in variables.items()
    }


def _interpolate(message: str, variables: dict[str, Any]) -> str:
    """As Flask-Babel: a message without variables is returned untouched (``%`` and all)."""
    if not variables:
        return message
    return _INTEGER_PLACEHOLDER.sub(r"%(\1)s", message) % _localized(variables)


def gettext(string: str, **variables: Any) -> str:
    return _interpolate(get_translations().ugettext(string), variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _interpolate(get_translations().ungettext(singular, plural, num), variables)


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    return LazyString(gettext, string, **variables)


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    return _escaped(context, get_translations().ugettext(string), variables)


@pass_context
def _template_ngettext(
    context: Context, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _escaped(context, get_translations().ungettext(singular, plural, num), variables)


def _escaped(context: Context, message: str, variables: dict[str, Any]) -> str:
    """As Jinja's newstyle gettext: always interpolated, variables escaped under autoescape."""
    template = _INTEGER_PLACEHOLDER.sub(r"%(\1)s", message)
    if context.eval_ctx.autoescape:
        template = Markup(template)
    return template % _localized(variables)


def init_app(app: Flask) -> None:
    """Replace the gettext callables Flask-Babel gave Jinja (call after ``babel.init_app``)."""
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
