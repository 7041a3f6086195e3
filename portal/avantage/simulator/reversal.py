"""Reversal lines (feature ``reversal``): the shape of one, and the entry it adds at commit.

A reversal names a line of a committed batch; at commit it adds an entry with that line's
fields and its value negated, pointing back at the original (``reverses``), and marks the
original ``reversed_by`` (see docs/avantage-protocol.md, "Reversal lines").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from portal.avantage.protocol import RejectionCode
from portal.avantage.simulator.request import invalid

REVERSAL_LINE_FIELDS = frozenset({"line", "kind", "batch", "reverses"})
#: What an original entry keeps of its own in its reversal: the rest is the reversal's.
_NOT_COPIED = frozenset({"entry", "line", "batch", "updated_at", "reverses", "reversed_by"})
_VALUES = ("hours", "quantity", "amount")

#: The entry a committed batch's line put in Timesheet management: (batch, line) → entry.
FindOriginal = Callable[[str, int], "dict[str, Any] | None"]


class LineRejected(Exception):
    """A line Avantage refuses at commit, with its rejection code."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def check_reversal_shape(where: str, line: dict[str, Any]) -> None:
    """Raise INVALID naming the field unless ``line`` is exactly a reversal line."""
    extra = sorted(line.keys() - REVERSAL_LINE_FIELDS)
    if extra:
        raise invalid(f"{where}, {extra[0]}", "field not allowed in a reversal line")
    missing = sorted(REVERSAL_LINE_FIELDS - line.keys())
    if missing:
        raise invalid(f"{where}, {missing[0]}", "field is missing")
    if not isinstance(line["batch"], str) or not line["batch"].strip():
        raise invalid(f"{where}, batch", "must be a batch number such as TS-000123")
    if type(line["reverses"]) is not int or line["reverses"] < 1:
        raise invalid(f"{where}, reverses", "must be a positive line number")


def reversal_entry(
    line: dict[str, Any], find: FindOriginal, reversed_here: set[tuple[str, int]]
) -> dict[str, Any]:
    """The entry ``line`` adds (its ``batch`` still to set), or LineRejected."""
    origin = (line["batch"], line["reverses"])
    original = find(*origin)
    if original is None:
        raise LineRejected(
            RejectionCode.UNKNOWN_ENTRY,
            f"Aucune écriture pour la ligne {origin[1]} du lot {origin[0]} "
            "(lot inconnu ou non validé, ligne absente, ou écriture supprimée dans Avantage)",
        )
    if original.get("reversed_by") or origin in reversed_here:
        raise LineRejected(
            RejectionCode.ALREADY_REVERSED,
            f"La ligne {origin[1]} du lot {origin[0]} est déjà annulée",
        )
    entry = {name: value for name, value in original.items() if name not in _NOT_COPIED}
    for name in _VALUES:
        if entry.get(name) is not None:
            entry[name] = str(-Decimal(entry[name]))
    return {**entry, "line": line["line"], "reverses": {"batch": origin[0], "line": origin[1]}}
