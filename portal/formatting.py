"""How numbers, money, hours, durations and dates read on screen, in the reader's locale.

Every value a page shows goes through one of these (they are Jinja filters of the same
name), never ``str()``, ``%`` or an f-string: fr_CA writes « 12 345,50 $ » and « 8,00 h »,
en_CA « $12,345.50 » and « 8.00 h ». They rely on Babel's CLDR data through Flask-Babel,
so the locale is the request's (French outside requests). Sorting by name follows the
Unicode collation algorithm (``pyuca``): Bédard before Boucher, Étienne with the E's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TypeVar

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from pyuca import Collator

Number = Decimal | int | float
Item = TypeVar("Item")

#: Between a number and its unit: a no-break space, so « 8,00 h » never wraps.
NBSP = "\u00a0"


def _places(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def number(value: Number | None, places: int | None = None) -> str:
    """A count or a quantity with the locale's separators (« 20 000 », « 1,5 »).

    ``places`` fixes the decimals; without it an integer shows none and a decimal up to three.
    """
    if value is None:
        return ""
    if places is None:
        return format_decimal(value, format="#,##0.###")
    return format_decimal(value, format=_places(places))


def hours(value: Number | None) -> str:
    """Hours, always with two decimals and their unit: « 8,00 h »."""
    return "" if value is None else f"{number(value, 2)}{NBSP}h"


def money(value: Number | None) -> str:
    """Canadian dollars as the locale writes them: « 17,50 $ » / « $17.50 »."""
    return "" if value is None else format_currency(value, "CAD", format_type="standard")


def rate(value: Number | None) -> str:
    """An hourly rate: « 25,08 $/h »."""
    return "" if value is None else f"{money(value)}/h"


def quantity(value: Number | None, unit: str | None) -> str:
    """A quantity with the unit its type declares (« 29,00 km »); the unit is data, not code."""
    if value is None:
        return ""
    text = number(value, 2)
    return f"{text}{NBSP}{unit}" if unit else text


def seconds(value: Number | None) -> str:
    """A duration: « 0,4 s » under a minute, « 2 min 05 s » under an hour, « 1 h 02 min » past."""
    if value is None:
        return ""
    total = float(value)
    if total < 60:
        return f"{number(round(total, 1), 1)}{NBSP}s"
    whole = round(total)
    if whole < 3600:
        return _("%(minutes)d min %(seconds)s s", minutes=whole // 60, seconds=f"{whole % 60:02d}")
    return _("%(hours)d h %(minutes)s min", hours=whole // 3600, minutes=f"{whole // 60 % 60:02d}")


def milliseconds(value: Number | None) -> str:
    """A short delay, such as a network round trip: « 1,8 ms »."""
    return "" if value is None else f"{number(value, 1)}{NBSP}ms"


def day(value: date | None, fmt: str = "medium") -> str:
    """A calendar date: « 3 déc. 2026 » (medium), « jeudi 3 décembre 2026 » (full)."""
    return "—" if value is None else format_date(value, fmt)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC time shown in ``BABEL_DEFAULT_TIMEZONE`` (America/Toronto)."""
    return "—" if value is None else format_datetime(value, fmt)


@cache
def _collator() -> Collator:
    return Collator()  # reads the Unicode collation table once (about half a second)


def collation_key(text: str | None) -> tuple[int, ...]:
    """A sort key that orders names as a Québec reader does (accents and case second)."""
    return _collator().sort_key((text or "").strip())


def sorted_by_name(items: Iterable[Item], name: Callable[[Item], str | None]) -> list[Item]:
    """``items`` in the reader's alphabetical order of ``name(item)``."""
    return sorted(items, key=lambda item: collation_key(name(item)))


#: The filters templates use; each name is the function's.
FILTERS: dict[str, Callable] = {
    function.__name__: function
    for function in (
        number,
        hours,
        money,
        rate,
        quantity,
        seconds,
        milliseconds,
        day,
        local_datetime,
    )
}
