"""The checks every coded list shares: a required text of bounded length, a unique code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from portal.i18n import gettext as _
from portal.models import db
from portal.services.text import clean, normalise_code


def required_text(
    errors: dict[str, str], field: str, value: str | None, *, limit: int, missing: str
) -> str:
    """The cleaned value; when it is empty or too long, ``errors[field]`` says so."""
    text = clean(value)
    if not text:
        errors[field] = missing
    elif len(text) > limit:
        errors[field] = _("Maximum %(n)d caractères.", n=limit)
    return text


def same_code(
    records: Iterable[Any], code: str, code_of: Callable[[Any], str], itself: Any = None
) -> Any:
    """The record (other than ``itself``) whose code matches ``code`` once both are
    normalised, or None."""
    key = normalise_code(code)
    return next(
        (
            record
            for record in records
            if record is not itself and normalise_code(code_of(record)) == key
        ),
        None,
    )


def with_match_key(model: Any, company_id: int, key: str, excluding: Any = None) -> Any:
    """The company's first record whose stored ``match_key`` is ``key`` (read through its
    index), other than ``excluding``; None when there is none."""
    query = db.select(model).where(model.company_id == company_id, model.match_key == key)
    if excluding is not None:
        query = query.where(model.id != excluding.id)
    return db.session.scalars(query.limit(1)).first()
