"""What a search compares: text without accents or capitals, the same in Python and in SQL."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.services.folding import ACCENTED, fold, folded, unaccented


def _reference(text: str) -> str:
    """Every combining mark of the canonical decomposition taken off, character by character."""
    return "".join(
        char for char in unicodedata.normalize("NFD", text) if not unicodedata.combining(char)
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_word_by_word_is_the_same_as_character_by_character(text):
    assert unaccented(text) == _reference(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Josée Côté", "josee cote"), ("ÉLAN  Œuvre", "elan  œuvre"), ("1042-B", "1042-b"), ("", "")],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_sql_folds_the_names_letters_as_python_does(app):
    """On both databases: the accented letters of Québec names, and capitals."""
    text = f"Josée Côté {ACCENTED}"
    assert db.session.scalar(sa.select(folded(sa.literal(text)))) == fold(text)
