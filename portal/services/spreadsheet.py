"""CSV downloads that Excel opens the way the office expects, written as they are read.

* UTF-8 with a byte order mark: without it Excel on Windows reads the file as Windows-1252
  and « Bélanger » shows as « BÃ©langer ».
* Excel splits a ``.csv`` on the list separator of Windows' regional settings and reads
  numbers with their decimal symbol: « ; » and « , » in fr-CA, « , » and « . » in en-CA. A
  download follows the language the person uses in the portal. (A ``sep=;`` first line would
  force the separator, but Excel then ignores the byte order mark and the accents break.)
* A text cell that Excel would take for a formula (``=``, ``+``, ``-``, ``@``) starts with an
  apostrophe: an employee named ``=HYPERLINK(…)`` stays text.
* Rows are encoded a chunk at a time from an iterator, so a download of any size is streamed
  while its rows are read, never built in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BOM = "\ufeff"
#: Rows encoded per chunk of the response.
ROWS_PER_CHUNK = 500
#: What a spreadsheet would run as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str


def dialect(language: str) -> Dialect:
    """Excel's reading of a CSV in the regional settings that go with ``language``."""
    return Dialect(";", ",") if language.startswith("fr") else Dialect(",", ".")


def safe_text(text: str) -> str:
    """``text`` as a cell a spreadsheet shows and never runs."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def stream(header: list[str], rows: Iterable[list[str]], chosen: Dialect) -> Iterator[bytes]:
    """``header`` then ``rows`` (cells already text), as UTF-8 with its byte order mark, a
    chunk per ``ROWS_PER_CHUNK`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=chosen.delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
