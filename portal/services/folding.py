"""Text compared as a reader means it, accents and capitals aside (« josee » finds « Josée »),
in SQL on SQLite and PostgreSQL alike: ``folded(column)``.

PostgreSQL translates the accented letters then lower-cases; SQLite, whose ``lower()`` folds
ASCII only and whose parser refuses fifty nested ``replace()``, calls a Python function
registered on each of its connections.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def unaccented(text: str) -> str:
    """``text`` without its accents: « Josée Côté » → « Josee Cote »."""
    if text.isascii():  # codes, numbers, most names: nothing to take off
        return text
    return " ".join(map(_unaccented_word, text.split(" ")))


@lru_cache(maxsize=20_000)
def _unaccented_word(word: str) -> str:
    """One word without its accents, kept: a company's names and trades share their words."""
    return "".join(
        char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char)
    )


def fold(text: str | None) -> str | None:
    """What a search compares: no accents, case-folded."""
    return None if text is None else unaccented(text).casefold()


#: The accented letters of names PostgreSQL's ``translate()`` maps to their plain letter.
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
PLAIN = unaccented(ACCENTED)


class folded(FunctionElement):
    """``fold(column)`` in SQL."""

    type = sa.String()
    inherit_cache = True


@compiles(folded)
def _translate(element: folded, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    accented = compiler.process(sa.literal(ACCENTED), **kw)
    plain = compiler.process(sa.literal(PLAIN), **kw)
    return f"lower(translate({column}, {accented}, {plain}))"


@compiles(folded, "sqlite")
def _sqlite(element: folded, compiler, **kw) -> str:
    return f"portal_fold({compiler.process(element.clauses, **kw)})"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.create_function("portal_fold", 1, fold, deterministic=True)
