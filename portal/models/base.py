"""Column types and mixins shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from portal.extensions import db
from portal.formatting import SORT_KEY_LENGTH
from portal.services.text import normalise_code


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Hours on a line: up to 9999.99.
Hours = sa.Numeric(6, 2)
#: Money and rates: up to 9,999,999,999.99.
Money = sa.Numeric(12, 2)
#: Quantities such as kilometres.
Quantity = sa.Numeric(12, 2)

ZERO = Decimal("0.00")

#: A stored sort key (``formatting.sort_key_text``): hex text that must compare byte by byte,
#: so PostgreSQL gets the "C" collation (SQLite compares bytes already and knows no "C").
SortKey = sa.String(SORT_KEY_LENGTH).with_variant(
    sa.String(SORT_KEY_LENGTH, collation="C"), "postgresql"
)


def _inserted_code_key(context) -> str:
    return normalise_code(context.get_current_parameters().get("code"))


class MatchedByCode:
    """A catalog record that syncs and consoles match on its code: ``match_key`` is the code
    as :func:`normalise_code` compares it, kept by the validator (or, for Core inserts, the
    column default) so that a console pairs records in SQL, through an index."""

    #: Three times the code's length: case folding may lengthen a letter (« ß » → « ss »).
    match_key: Mapped[str] = mapped_column(sa.String(60), default=_inserted_code_key)

    @validates("code")
    def _keep_match_key(self, _field: str, value: str) -> str:
        self.match_key = normalise_code(value)
        return value


#: The largest id an Integer primary key holds: a larger one (from a URL or a form) is
#: simply not found, never sent to the database (PostgreSQL would refuse it with an error).
MAX_ID = 2**31 - 1


def get_in_company(model, company_id: int, object_id: int | None):
    """The row of ``model`` with this id when it belongs to the company, else None."""
    if object_id is None or not 0 < object_id <= MAX_ID:
        return None
    obj = db.session.get(model, object_id)
    return obj if obj is not None and obj.company_id == company_id else None


class TenantMixin:
    """Rows that belong to one company; every query filters on ``company_id``."""

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("company.id", ondelete="CASCADE"), index=True
    )

    @declared_attr
    def company(cls):
        return relationship("Company")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


__all__ = [
    "ZERO",
    "Hours",
    "Money",
    "Quantity",
    "SortKey",
    "TenantMixin",
    "TimestampMixin",
    "UTCDateTime",
    "db",
    "utcnow",
]


class LeaseMixin:
    """Who is executing the row now (a run or a batch) and until when, and the next retry.

    A job takes the lease with a conditional UPDATE and renews it every few seconds; a row
    whose lease has expired has no live owner (see services/leases.py)."""

    lease_owner: Mapped[str | None] = mapped_column(sa.String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: While queued: when the next attempt is due (now for a new run or Reprendre, later for
    #: a retry after a transient failure), for the countdown and "no worker picked it up".
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
