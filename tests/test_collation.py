"""Names sort as a Québec reader expects: accents and case count only between equal letters."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.formatting import (
    SORT_KEY_LENGTH,
    _collator,
    collation_key,
    sort_key_text,
    sorted_by_name,
)
from portal.models import Project, User
from portal.models.company import name_sort_of


@pytest.mark.parametrize(
    "expected",
    [
        ["Bédard", "Boucher", "Côté", "Dubé"],
        ["Eaton", "Eric", "Éthier", "Étienne", "Fabien"],
        ["Lapointe", "lavoie", "Leblanc"],
        ["côte", "Côte", "côté"],
        ["Gagné-Roy", "Gagnon", "Gagnon Marie", "Gagnon-Roy"],
    ],
)
def test_names_sort_by_letters_first_then_accents_and_case(expected):
    shuffled = list(reversed(expected))
    assert sorted_by_name(shuffled, lambda name: name) == expected
    assert sorted(shuffled, key=sort_key_text) == expected


def test_accented_names_are_not_sent_after_z_as_byte_order_would():
    names = ["Zorn", "Émond", "Éthier", "Ouellet", "Ébert"]
    assert sorted(names)[-3:] == ["Ébert", "Émond", "Éthier"]  # what byte order does
    assert sorted_by_name(names, lambda name: name) == [
        "Ébert",
        "Émond",
        "Éthier",
        "Ouellet",
        "Zorn",
    ]


@pytest.mark.parametrize("variant", ["  Bédard", "Bédard  ", " Bédard ", "\tBédard\n"])
def test_spaces_around_a_name_are_ignored(variant):
    assert collation_key(variant) == collation_key("Bédard")
    assert sort_key_text(variant) == sort_key_text("Bédard")


def test_case_alone_differs_only_at_the_last_level():
    assert collation_key("lavoie") != collation_key("Lavoie")
    assert sorted_by_name(["Lavoie Zoé", "lavoie Anne"], lambda name: name) == [
        "lavoie Anne",
        "Lavoie Zoé",
    ]


@settings(max_examples=300, deadline=None)  # the first example loads the collation table
@given(st.text(max_size=40), st.text(max_size=40))
def test_the_stored_text_orders_exactly_as_the_collation_key(first, second):
    """Fixed-width hex keeps the order of the weights under plain string comparison."""
    assume(max(len(collation_key(first)), len(collation_key(second))) * 4 <= SORT_KEY_LENGTH)
    assert (sort_key_text(first) < sort_key_text(second)) == (
        collation_key(first) < collation_key(second)
    )
    assert (sort_key_text(first) == sort_key_text(second)) == (
        collation_key(first) == collation_key(second)
    )


def test_the_stored_text_is_hex_and_bounded_even_for_long_names():
    key = sort_key_text("Œ" * 500)
    assert len(key) == SORT_KEY_LENGTH
    assert set(key) <= set("0123456789abcdef")
    assert sort_key_text(None) == sort_key_text("")


def test_a_person_sorts_by_last_then_first_name_and_keeps_it_when_renamed():
    user = User(first_name="Jean", last_name="Boucher")
    assert user.name_sort == name_sort_of("Jean", "Boucher")
    user.last_name = "Bédard"
    assert user.name_sort == name_sort_of("Jean", "Bédard") < name_sort_of("Anne", "Boucher")
    user.first_name = "Alain"
    assert user.name_sort == name_sort_of("Alain", "Bédard")


def test_a_project_sorts_by_its_label_and_keeps_it_when_renamed():
    project = Project(number="ex-900", name="Entrepôt")
    assert project.label_sort == sort_key_text("ex-900 Entrepôt")
    project.name = "École"
    assert project.label_sort == sort_key_text("ex-900 École")
    assert sort_key_text("EX-901 Atelier") > project.label_sort > sort_key_text("24-101 Zinc")


@pytest.mark.parametrize(
    "text",
    [
        "Josée Côté",
        "Côté  Josée",  # two spaces
        "O'Neil-Tremblay, Marie-Ève",
        "l'Écuyer  Œuvre æther Straße",
        "e\u0301cole",  # a combining accent already decomposed
        "\u0301 accent après une espace",
        "ch ll ĉ ǆ ﬁ",  # letters that contract or decompose in some tables
        "",
        "  ",
        "24-101 Résidence Tremblay",
    ],
)
def test_the_key_built_word_by_word_is_pyucas_own(text):
    assert collation_key(text) == _collator().sort_key(text.strip())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gets_pyucas_own_key(text):
    assert collation_key(text) == _collator().sort_key(text.strip())
