"""A step of Mise en route: its state, what the portal knows of it, where it is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import get_locale

DONE, TODO, FAILING = "done", "todo", "failing"


@dataclass(frozen=True)
class Link:
    """Where a step is done: an endpoint and its arguments (the page builds the URL)."""

    endpoint: str
    args: dict = field(default_factory=dict)
    anchor: str | None = None


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    state: str
    #: What the portal knows: when, how many records (or why it is still to do).
    detail: str
    link: Link
    #: What to do about a failing step (Avantage's or the portal's own sentence).
    fix: str | None = None
    at: datetime | None = None


def language() -> str:
    """The reader's language (French outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def localized(error: dict | None, name: str) -> str | None:
    """``name`` (``message`` or ``fix``) of a stored error, in the reader's language."""
    if not error:
        return None
    return error.get(f"{name}_{language()}") or error.get(f"{name}_fr")
