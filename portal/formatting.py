"""How numbers, money, hours, durations and dates read on screen, in the reader's locale.

Every value a page shows goes through one of these (they are Jinja filters of the same
name), never ``str()``, ``%`` or an f-string: fr_CA writes « 12 345,50 $ » and « 8,00 h »,
en_CA « $12,345.50 » and « 8.00 h ». They rely on Babel's CLDR data through Flask-Babel,
so the locale is the request's (French outside requests). Sorting by name follows the
Unicode collation algorithm (``pyuca``): Bédard before Boucher, Étienne with the E's.
"""

from __future__ import annotations

import math
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import TypeVar

from babel.dates import format_date as format_date_in
from babel.dates import format_interval
from babel.numbers import format_decimal as format_decimal_in
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
)
from flask_babel import gettext as _
from pyuca import Collator

#: A figure: a number, or decimal text as Avantage sends it (« 25.08 »).
Number = Decimal | int | float | str
Item = TypeVar("Item")

#: Between a number and its unit: a no-break space, so « 8,00 h » never wraps.
NBSP = "\u00a0"


def _places(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def _figure(value: Number) -> Decimal | int | float | None:
    """``value`` as a number (decimal text parsed exactly); None for text that is not one."""
    if not isinstance(value, str):
        return value
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


def number(value: Number | None, places: int | None = None) -> str:
    """A count or a quantity with the locale's separators (« 20 000 », « 1,5 »).

    ``places`` fixes the decimals; without it an integer shows none and a decimal up to three.
    Text that is not a number (an odd value from Avantage) is shown as it came.
    """
    if value is None:
        return ""
    figure = _figure(value)
    if figure is None:
        return str(value)
    pattern = "#,##0.###" if places is None else _places(places)
    if isinstance(figure, Decimal) and not figure.is_finite():
        return format_decimal(figure, format=pattern)  # a NaN cannot be a cache key
    signed = figure.is_signed() if isinstance(figure, Decimal) else math.copysign(1, figure) < 0
    return _decimal_text(figure, signed, pattern, _locale_name())


def _locale_name() -> str | None:
    """The reader's locale, the key of what is kept; None outside an app (Babel's default)."""
    locale = get_locale()
    return None if locale is None else str(locale)


@lru_cache(maxsize=4096)
def _decimal_text(
    figure: Decimal | int | float, signed: bool, pattern: str, locale: str | None
) -> str:
    """Kept: a page repeats its figures (8,00 h on most lines), and Babel parses the pattern
    and looks the locale up on every call. Equal figures (8 and 8.00) share an entry, which
    is right: the pattern, not the figure, sets the decimals; but -0 (« -0,00 ») and 0 compare
    equal, hence ``signed`` in the key."""
    return format_decimal_in(figure, format=pattern, locale=locale)


def hours(value: Number | None) -> str:
    """Hours, always with two decimals and their unit: « 8,00 h »."""
    return "" if value is None else f"{number(value, 2)}{NBSP}h"


def money(value: Number | None) -> str:
    """Canadian dollars as the locale writes them: « 17,50 $ » / « $17.50 »."""
    if value is None:
        return ""
    figure = _figure(value)
    return str(value) if figure is None else format_currency(figure, "CAD", format_type="standard")


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
    if round(total, 1) < 60:
        return f"{number(round(total, 1), 1)}{NBSP}s"
    whole = round(total)
    if whole < 3600:
        return _("%(minutes)d min %(seconds)s s", minutes=whole // 60, seconds=f"{whole % 60:02d}")
    return _("%(hours)d h %(minutes)s min", hours=whole // 3600, minutes=f"{whole // 60 % 60:02d}")


def milliseconds(value: Number | None) -> str:
    """A short delay, such as a network round trip: « 1,8 ms »."""
    return "" if value is None else f"{number(value, 1)}{NBSP}ms"


#: CLDR's short date of fr_CA is ISO (« 2026-12-03 »); on screen a date is always in words.
_IN_WORDS = {"short": "medium"}


def day(value: date | None, fmt: str = "medium") -> str:
    """A calendar date: « 3 déc. 2026 » (short, medium), « jeudi 3 décembre 2026 » (full).

    ``fmt`` may also be a pattern (« EEE d MMM » → « mar. 24 nov. »).
    """
    if value is None:
        return "—"
    if type(value) is not date:  # a datetime is first moved to the reader's time zone
        return format_date(value, _IN_WORDS.get(fmt, fmt))
    return _day_text(value, _IN_WORDS.get(fmt, fmt), _locale_name())


@lru_cache(maxsize=4096)
def _day_text(value: date, fmt: str, locale: str | None) -> str:
    """Kept: a list shows the same few days on every row."""
    return format_date_in(value, format=fmt, locale=locale)


def week(monday: date | None) -> str:
    """The seven days from ``monday``, as the locale writes a span: « 23–29 nov. 2026 »."""
    return period(monday, monday + timedelta(days=6)) if monday is not None else "—"


def period(start: date, end: date) -> str:
    """A span of days without repeating what both ends share: « 30 nov. – 6 déc. 2026 »."""
    return _period(start, end, _locale_name())


@lru_cache(maxsize=4096)
def _period(start: date, end: date, locale: str | None) -> str:
    """Kept: a list repeats a few weeks on every row, and Babel's intervals cost 0.3 ms each."""
    return format_interval(start, end, "yMMMd", locale=locale)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC time in ``BABEL_DEFAULT_TIMEZONE`` (America/Toronto), to the minute:
    « 3 déc. 2026, 05 h 00 » (short, medium), « 3 décembre 2026, 05 h 00 » (long); or a pattern."""
    if value is None:
        return "—"
    if fmt not in ("short", "medium", "long", "full"):
        return format_datetime(value, fmt)
    date_part = format_date(value, _IN_WORDS.get(fmt, fmt))  # rebased to the time zone
    pattern = get_locale().datetime_formats[_IN_WORDS.get(fmt, fmt)]
    return pattern.format(format_time(value, "short"), date_part)


@cache
def _collator() -> Collator:
    return Collator()  # reads the Unicode collation table once (about half a second)


def collation_key(text: str | None) -> tuple[int, ...]:
    """A sort key that orders names as a Québec reader does (accents and case second).

    pyuca's ``sort_key``, built from each word's weights, kept per word: computing them is
    most of its cost, and a company's names share their words (Tremblay, Marie, …). No
    contraction of the collation table spans a space, so a text's collation elements are its
    words' in a row, and each level of the key is its words' weights at that level."""
    normalized = unicodedata.normalize("NFD", (text or "").strip())
    words = [_word_weights(word) for word in _WORDS.split(normalized)]
    key: list[int] = []
    for level in range(_LEVELS):
        if level:
            key.append(0)  # pyuca's level separator
        for weights in words:
            key.extend(weights[level])
    return tuple(key)


#: Splits a text into words and the spaces between them (both kept).
_WORDS = re.compile(r"( )")
#: The levels of pyuca's sort keys: base letter, accents, case, and the fourth.
_LEVELS = 4


@lru_cache(maxsize=20_000)
def _word_weights(word: str) -> tuple[tuple[int, ...], ...]:
    """A word's nonzero weights at each level, as pyuca's sort key lists them."""
    elements = _collator().collation_elements(word) if word else []
    return tuple(
        tuple(element[level] for element in elements if len(element) > level and element[level])
        for level in range(_LEVELS)
    )


#: How much of a stored sort key the database keeps, so that an index entry stays small
#: (PostgreSQL refuses B-tree entries past about 2,700 bytes). Past it two keys compare equal
#: and the id decides; a name of 160 ordinary letters fills about half of it.
SORT_KEY_LENGTH = 1024


def sort_key_text(text: str | None) -> str:
    """``collation_key(text)`` as text that sorts the same way byte by byte (ORDER BY in a
    bytewise collation): each weight in four hex digits, since pyuca's weights fit in 16 bits."""
    weights = collation_key(text)
    return struct.pack(f">{len(weights)}H", *weights).hex()[:SORT_KEY_LENGTH]


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
        week,
        period,
        local_datetime,
    )
}
