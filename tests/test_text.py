"""The normalisation that records are matched on (services/text.py)."""

from __future__ import annotations

import random
import re

import pytest

from portal.services.text import clean, normalise_code, normalise_employee_number

#: What ``clean`` means; its fast path for plain ASCII must give the same.
MEANING = re.compile(r"\s+")
#: ASCII's every character, and the Unicode spaces a pasted name carries.
ALPHABET = [chr(code) for code in range(128)] + ["\xa0", "\u2009", "\u3000", "é", "Ç", "\x85"]


def test_clean_collapses_and_trims_exactly_as_its_definition_says():
    draw = random.Random(20261204)
    for _ in range(50_000):
        text = "".join(draw.choice(ALPHABET) for _ in range(draw.randint(0, 8)))
        assert clean(text) == MEANING.sub(" ", text).strip(), repr(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, ""), ("", ""), (" 1042 ", "1042"), ("Jean  Tremblay", "Jean Tremblay"),
     ("\x1c24-101\x1f", "24-101"), ("Côté\u00a0 Marie", "Côté Marie")],
)  # fmt: skip
def test_clean(text, expected):
    assert clean(text) == expected


def test_codes_and_numbers_compare_as_typed_in_avantage():
    assert normalise_code("  Charp ") == normalise_code("CHARP") == "charp"
    assert normalise_employee_number("01042 ") == normalise_employee_number("1042") == "1042"
    assert normalise_employee_number("000") == "0" and normalise_employee_number("") == ""
