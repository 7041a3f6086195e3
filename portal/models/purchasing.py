"""Suppliers (fournisseurs), kept from Avantage's list by the Fournisseurs sync.

Purchase orders are not a portal record: they stay in Avantage and are read from the sync's
cache of Avantage's records (``RemoteRecord``, entity ``purchase_orders``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.formatting import sort_key_text
from portal.models.base import MatchedByCode, SortKey, TenantMixin, TimestampMixin, db


def _inserted_name_sort(context) -> str:
    return sort_key_text(context.get_current_parameters().get("name") or "")


class Supplier(MatchedByCode, TenantMixin, TimestampMixin, db.Model):
    """A fournisseur of the company, matched to Avantage's on its code."""

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.Index("ix_supplier_company_id_match_key", "company_id", "match_key"),
        sa.Index("ix_supplier_company_id_name_sort", "company_id", "name_sort"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(160))
    #: What the list ORDER BYs: the name as a Québec reader sorts it.
    name_sort: Mapped[str] = mapped_column(SortKey, default=_inserted_name_sort)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)

    @validates("name")
    def _keep_name_sort(self, _field: str, value: str) -> str:
        self.name_sort = sort_key_text(value or "")
        return value
