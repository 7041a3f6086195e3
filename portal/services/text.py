"""Normalisation of the codes and numbers that records are matched on."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Trim and collapse inner whitespace (what the user meant to type)."""
    return _SPACES.sub(" ", text or "").strip()


def normalise_code(code: str | None) -> str:
    """Compare codes after trimming, collapsing inner whitespace and case-folding."""
    return clean(code).casefold()


def normalise_employee_number(number: str | None) -> str:
    """Employee numbers also ignore leading zeros: ``'01042 '`` ~ ``'1042'``."""
    compact = normalise_code(number)
    stripped = compact.lstrip("0")
    return stripped or ("0" if compact else "")
