"""Normalisation of the codes and numbers that records are matched on."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


#: The whitespace an ASCII text can hold besides the plain space (what ``\s`` matches).
_ASCII_WHITESPACE = frozenset(c for c in map(chr, range(128)) if c.isspace() and c != " ")


def clean(text: str | None) -> str:
    """Trim and collapse inner whitespace (what the user meant to type)."""
    if not text:
        return ""
    # Most codes, numbers and names are ASCII with single spaces: nothing to collapse, and
    # the regular expression would cost most of a sync's time per record for nothing.
    if text.isascii() and "  " not in text and _ASCII_WHITESPACE.isdisjoint(text):
        return text.strip(" ")
    return _SPACES.sub(" ", text).strip()


def normalise_code(code: str | None) -> str:
    """Compare codes after trimming, collapsing inner whitespace and case-folding."""
    return clean(code).casefold()


def normalise_employee_number(number: str | None) -> str:
    """Employee numbers also ignore leading zeros: ``'01042 '`` ~ ``'1042'``."""
    compact = normalise_code(number)
    stripped = compact.lstrip("0")
    return stripped or ("0" if compact else "")
