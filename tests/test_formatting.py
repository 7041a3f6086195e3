"""The formatting helpers and the translated messages write figures as each locale does.

fr_CA groups thousands with a no-break space and writes a decimal comma (« 20 000 »,
« 8,00 h », « 17,50 $ »); en_CA writes "20,000", "8.00 h", "$17.50".
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup

from portal import formatting, i18n
from portal.services.timesheet_lines import parse_decimal

NBSP, THIN, NARROW = "\u00a0", "\u2009", "\u202f"
FR, EN = "fr_CA", "en_CA"


@pytest.fixture
def in_locale(app):
    """``in_locale(locale, function, *args)``: the function's result in a request in ``locale``."""

    def call(locale: str, function, *args, **kwargs):
        with app.test_request_context(), force_locale(locale):
            return function(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    ("function", "args", "french", "english"),
    [
        # number: separators, no decimals for integers, up to three otherwise, or fixed places.
        (formatting.number, (20000,), f"20{NBSP}000", "20,000"),
        (formatting.number, (0,), "0", "0"),
        (formatting.number, (Decimal("-1234.5"),), f"-1{NBSP}234,5", "-1,234.5"),
        (formatting.number, (Decimal("1.23456"),), "1,235", "1.235"),
        (formatting.number, (1.5, 1), "1,5", "1.5"),
        (formatting.number, (Decimal("7.256"), 2), "7,26", "7.26"),
        (formatting.number, (Decimal("7.254"), 2), "7,25", "7.25"),
        (formatting.number, (1234567, 2), f"1{NBSP}234{NBSP}567,00", "1,234,567.00"),
        (formatting.number, ("1.5",), "1,5", "1.5"),  # Avantage's decimal text
        (formatting.number, ("n/a",), "n/a", "n/a"),  # an odd value is shown as it came
        (formatting.number, (None,), "", ""),
        # hours: two decimals and the unit, never wrapped.
        (formatting.hours, (8,), f"8,00{NBSP}h", f"8.00{NBSP}h"),
        (formatting.hours, (Decimal("1234.5"),), f"1{NBSP}234,50{NBSP}h", f"1,234.50{NBSP}h"),
        (formatting.hours, (Decimal("-0.5"),), f"-0,50{NBSP}h", f"-0.50{NBSP}h"),
        (formatting.hours, (0,), f"0,00{NBSP}h", f"0.00{NBSP}h"),
        (formatting.hours, (None,), "", ""),
        # money, rates: Canadian dollars where each locale puts them.
        (formatting.money, (Decimal("17.5"),), f"17,50{NBSP}$", "$17.50"),
        (formatting.money, (Decimal("12345.678"),), f"12{NBSP}345,68{NBSP}$", "$12,345.68"),
        (formatting.money, (Decimal("-1234.5"),), f"-1{NBSP}234,50{NBSP}$", "-$1,234.50"),
        (formatting.money, (0,), f"0,00{NBSP}$", "$0.00"),
        (formatting.money, ("65432.10",), f"65{NBSP}432,10{NBSP}$", "$65,432.10"),
        (formatting.money, (None,), "", ""),
        (formatting.rate, ("25.08",), f"25,08{NBSP}$/h", "$25.08/h"),
        (formatting.rate, (None,), "", ""),
        # quantity: the unit comes from the expense type.
        (formatting.quantity, (Decimal("1234.5"), "km"), f"1{NBSP}234,50{NBSP}km",
         f"1,234.50{NBSP}km"),
        (formatting.quantity, (29, None), "29,00", "29.00"),
        (formatting.quantity, (None, "km"), "", ""),
        # durations.
        (formatting.seconds, (0,), f"0,0{NBSP}s", f"0.0{NBSP}s"),
        (formatting.seconds, (12.345,), f"12,3{NBSP}s", f"12.3{NBSP}s"),
        (formatting.seconds, (59.96,), "1 min 00 s", "1 min 00 s"),
        (formatting.seconds, (125,), "2 min 05 s", "2 min 05 s"),
        (formatting.seconds, (3725,), "1 h 02 min", "1 h 02 min"),
        (formatting.seconds, (None,), "", ""),
        (formatting.milliseconds, (1.8,), f"1,8{NBSP}ms", f"1.8{NBSP}ms"),
        (formatting.milliseconds, (1234,), f"1{NBSP}234,0{NBSP}ms", f"1,234.0{NBSP}ms"),
        (formatting.milliseconds, (None,), "", ""),
        # dates: in words, never ISO (CLDR's short date of fr_CA is 2026-12-03).
        (formatting.day, (date(2026, 12, 3),), "3 déc. 2026", "Dec 3, 2026"),
        (formatting.day, (date(2026, 12, 3), "short"), "3 déc. 2026", "Dec 3, 2026"),
        (formatting.day, (date(2026, 12, 3), "full"), "jeudi 3 décembre 2026",
         "Thursday, December 3, 2026"),
        (formatting.day, (date(2026, 11, 24), "EEE d MMM"), "mar. 24 nov.", "Tue 24 Nov"),
        (formatting.day, (None,), "—", "—"),
        (formatting.week, (date(2026, 11, 23),), "23–29 nov. 2026", "Nov 23–29, 2026"),
        (formatting.week, (date(2026, 11, 30),), f"30 nov.{THIN}–{THIN}6 déc. 2026",
         "Nov 30–Dec 6, 2026"),
        (formatting.week, (date(2026, 12, 28),), f"28 déc. 2026{THIN}–{THIN}3 janv. 2027",
         "Dec 28, 2026–Jan 3, 2027"),
        (formatting.week, (None,), "—", "—"),
        (formatting.period, (date(2026, 11, 1), date(2026, 11, 15)), "1–15 nov. 2026",
         "Nov 1–15, 2026"),
        # times: stored in UTC, shown in America/Toronto, to the minute.
        (formatting.local_datetime, (datetime(2026, 12, 3, 15, 4, tzinfo=UTC),),
         "3 déc. 2026, 10 h 04", f"Dec 3, 2026, 10:04{NARROW}a.m."),
        (formatting.local_datetime, (datetime(2026, 12, 3, 15, 4, tzinfo=UTC), "short"),
         "3 déc. 2026, 10 h 04", f"Dec 3, 2026, 10:04{NARROW}a.m."),
        (formatting.local_datetime, (datetime(2026, 7, 1, 3, 30, tzinfo=UTC), "long"),
         "30 juin 2026, 23 h 30", f"June 30, 2026, 11:30{NARROW}p.m."),
        (formatting.local_datetime, (None,), "—", "—"),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)  # fmt: skip
def test_helpers_write_as_each_locale_does(in_locale, function, args, french, english):
    assert in_locale(FR, function, *args) == french
    assert in_locale(EN, function, *args) == english


def test_every_helper_is_a_template_filter(app):
    for name, function in formatting.FILTERS.items():
        assert app.jinja_env.filters[name] is function


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("7,5", Decimal("7.5")),
        ("7.5", Decimal("7.5")),
        ("1 234,50", Decimal("1234.50")),
        (f"1{NBSP}234,50", Decimal("1234.50")),
        (f"1{NARROW}234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),  # English thousands
        ("-0,25", Decimal("-0.25")),
        ("", None),
        ("abc", None),
        ("1,2,3", None),
        ("NaN", None),
    ],
)
def test_parse_decimal_takes_what_either_locale_types(typed, value):
    assert parse_decimal(typed) == value


# Translated messages (portal/i18n.py).


@pytest.mark.parametrize(
    ("locale", "expected"), [(FR, f"20{NBSP}000 résultats"), (EN, "20,000 results")]
)
def test_ngettext_formats_num(in_locale, locale, expected):
    message = in_locale(locale, i18n.ngettext, "%(num)d résultat", "%(num)d résultats", 20000)
    assert message == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [(FR, f"Maximum 12{NBSP}000 caractères."), (EN, "Maximum 12,000 characters.")],
)
def test_gettext_formats_integer_placeholders(in_locale, locale, expected):
    assert in_locale(locale, i18n.gettext, "Maximum %(n)d caractères.", n=12000) == expected


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (Decimal("1.5"), "1,5", "1.5"),
        (1.8, "1,8", "1.8"),
        (1, "1", "1"),
        (True, "True", "True"),  # a flag is not a number
        ("12345", "12345", "12345"),  # an identifier passed as text is left alone
    ],
)
def test_gettext_formats_number_variables_only(in_locale, value, french, english):
    message = "Valeur : %(value)s."  # not in the catalog: the French id in both languages
    assert in_locale(FR, i18n.gettext, message, value=value) == f"Valeur : {french}."
    assert in_locale(EN, i18n.gettext, message, value=value) == f"Valeur : {english}."


def test_message_without_variables_is_untouched(in_locale):
    assert in_locale(FR, i18n.gettext, "100 % (%(n)d)") == "100 % (%(n)d)"


def test_lazy_gettext_formats_when_read(in_locale):
    lazy = i18n.lazy_gettext("Maximum %(n)d caractères.", n=1500)
    assert in_locale(FR, str, lazy) == f"Maximum 1{NBSP}500 caractères."
    assert in_locale(EN, str, lazy) == "Maximum 1,500 characters."


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (FR, f"&lt;b&gt;Rose&lt;/b&gt; : 1{NBSP}500 · 20{NBSP}000 résultats"),
        (EN, "&lt;b&gt;Rose&lt;/b&gt; : 1,500 · 20,000 results"),
    ],
)
def test_templates_format_numbers_and_escape_variables(in_locale, locale, expected):
    source = (
        '{{ _("%(name)s : %(n)d", name=name, n=1500) }} · '
        '{{ ngettext("%(num)d résultat", "%(num)d résultats", 20000) }}'
    )
    assert in_locale(locale, render_template_string, source, name="<b>Rose</b>") == expected


def test_templates_keep_markup_of_the_message_and_of_safe_variables(in_locale):
    source = '{{ _("Voir %(link)s", link=link) }}'
    link = Markup('<a href="/x">lot</a>')
    assert in_locale(FR, render_template_string, source, link=link) == 'Voir <a href="/x">lot</a>'


@pytest.mark.parametrize("locale", [FR, EN])
def test_kept_figures_and_days_read_as_babel_writes_them(in_locale, locale):
    """number() and day() keep what they wrote per locale: the same as Babel each time, for
    figures that compare equal but do not read the same (0 and -0), in either order."""
    figures = [Decimal("0"), Decimal("-0.00"), 0, -0.0, Decimal("8"), Decimal("8.00"), 1234.5]
    for places, pattern in ((None, "#,##0.###"), (2, "#,##0.00")):
        for figure in [*figures, *reversed(figures)]:
            shown = in_locale(locale, formatting.number, figure, places)
            assert shown == format_decimal(figure, pattern, locale=locale), figure
    for when in (date(2026, 12, 3), date(2027, 1, 1)):
        for fmt in ("medium", "full"):
            shown = in_locale(locale, formatting.day, when, fmt)
            assert shown == format_date(when, fmt, locale=locale)


def test_outside_an_app_the_kept_helpers_write_in_babels_default_locale():
    """No app, no locale (a script importing the helpers): Babel's default, as before the
    helpers kept their results, and never an error. (A new thread has no app context,
    whatever the tests before this one pushed.)"""
    written = {}

    def write() -> None:
        written["number"] = formatting.number(1234.5)
        written["day"] = formatting.day(date(2026, 1, 2))
        written["week"] = formatting.week(date(2026, 1, 5))

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    assert written["number"] == format_decimal(1234.5, "#,##0.###")
    assert written["day"] == format_date(date(2026, 1, 2), "medium")
    assert written["week"]
