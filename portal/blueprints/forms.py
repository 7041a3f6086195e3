"""Form helpers every blueprint uses: forms parse input, services validate it."""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import request
from wtforms import Form

from portal.errors import ValidationError


def parse_id(value) -> int | None:
    """A select's id: '' is None; anything that cannot be an id is -1 (never a row)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text or text == "None":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return -1  # the service answers "choose from the list"
    return int(text)


def positive(value: int | None) -> int | None:
    """A parsed id that can name a row: None for '' and for what ``parse_id`` refused."""
    return value if value is not None and value > 0 else None


def enum_coerce(enum_cls: type[enum.Enum]) -> Callable:
    """A select ``coerce`` giving the member for a known value and None for anything else."""

    def coerce(value):
        if isinstance(value, enum_cls):
            return value
        try:
            return enum_cls(value)
        except ValueError:
            return None  # the service reports "choose from the list"

    return coerce


def apply_errors(form: Form, error: ValidationError) -> None:
    """Put each message of ``error`` on its field (or above the form when it has none)."""
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
    if not error.field_errors:
        form.form_errors.append(error.message)


#: The last page number a list accepts from a URL (a larger one shows that page, empty).
MAX_PAGE = 100_000


def page_number() -> int:
    """The ``?page=`` of a list: 1 to ``MAX_PAGE``, the first page for anything else."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
