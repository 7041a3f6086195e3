"""The page numbers a list built in a service gives ``partials/_pagination.html`` (the same
names as Flask-SQLAlchemy's Pagination, for lists that are not one query)."""

from __future__ import annotations

from math import ceil


class PageNumbers:
    """Needs ``page``, ``per_page`` and ``total``; gives the rest of the pagination shape."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1
