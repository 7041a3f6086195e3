"""Values of Avantage's records as the protocol writes them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.services.timesheet_lines import parse_decimal


def figure(value: Any) -> Decimal | None:
    """A decimal string of the protocol as a Decimal (never through a float); None if unreadable."""
    return parse_decimal(value) if isinstance(value, str) else None
