"""Paging through a LIST: resuming, restarting on an expired cursor, and stopping a listing
that goes past what the server announced.

A listing stops when it holds more than its ``total`` plus a margin, when the total grows past
that margin, when a cursor comes back, after ``max_pages`` pages, or on a page longer than the
``limit`` asked; the page that passes a bound never reaches the caller.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from portal.avantage.bounds import ListingOverrunError, Overrun, margin
from portal.avantage.errors import ServerError
from portal.avantage.responses import Page, page_of, refuses_cursor


def paginate(
    fetch: Callable[[str | None], dict[str, Any]], guard: ListingGuard, restarts: int
) -> Iterator[Page]:
    """Pages of ``fetch(cursor)`` data, every item once, within the guard's bounds.

    On a refused cursor (expired) the listing restarts from the start, at most ``restarts``
    times in a row without progress, and skips what it already yielded (the order is stable).
    """
    cursor: str | None = None
    yielded = skip = fruitless_restarts = 0
    while True:
        try:
            data = fetch(cursor)
        except ServerError as error:
            if cursor is None or not refuses_cursor(error):
                raise
            fruitless_restarts += 1
            if fruitless_restarts > restarts:
                raise
            cursor, skip = None, yielded
            guard.restart()
            continue
        page = page_of(data)
        guard.admit(page)
        items = page.items[skip:] if skip else page.items
        skip = max(0, skip - len(page.items))
        if items:
            fruitless_restarts = 0
            yielded += len(items)
            yield Page(items, page.total, page.next_cursor)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


class ListingGuard:
    """Checks each page of one listing against what the server announced, before it is used.

    ``restart()`` begins a new pass from cursor null (after an expired cursor): the totals and
    cursors start over, the page count does not.
    """

    def __init__(self, entity: str, limit: int, max_pages: int) -> None:
        self.entity, self.limit, self.max_pages = entity, limit, max_pages
        self.pages = 0
        self.restart()

    def restart(self) -> None:
        """Forget the pass so far: its first and largest totals, items and cursors."""
        self._first_total: int | None = None
        self._total = self._received = 0
        self._cursors: set[bytes] = set()

    def admit(self, page: Page) -> None:
        """Raise ListingOverrunError unless ``page`` keeps the listing within its bounds."""
        self.pages += 1
        if self.pages > self.max_pages:
            self._overrun(Overrun.TOO_MANY_PAGES, pages=self.max_pages)
        if len(page.items) > self.limit:
            self._overrun(Overrun.PAGE_TOO_LONG, count=len(page.items), limit=self.limit)
        first = page.total if self._first_total is None else self._first_total
        if page.total > first + margin(first):
            self._overrun(Overrun.TOTAL_GREW, first=first, total=page.total)
        self._first_total, self._total = first, max(self._total, page.total)
        self._received += len(page.items)
        if self._received > self._total + margin(self._total):
            self._overrun(Overrun.OVER_TOTAL, received=self._received, total=self._total)
        if page.next_cursor is not None:
            # A digest: cursors are the server's to size, and a pass may see thousands.
            digest = hashlib.blake2b(
                page.next_cursor.encode("utf-8", "surrogatepass"), digest_size=16
            ).digest()
            if digest in self._cursors:
                self._overrun(Overrun.CURSOR_REPEATED)
            self._cursors.add(digest)

    def _overrun(self, overrun: Overrun, **numbers: int) -> NoReturn:
        raise ListingOverrunError(self.entity, overrun, **numbers)
