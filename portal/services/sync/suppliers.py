"""Fournisseurs: matched on the code; a supplier Avantage has and the portal lacks is
created, and Avantage's name, phone, e-mail and active flag are kept up to date."""

from __future__ import annotations

from typing import Any

from portal.models import Supplier, SyncSection
from portal.services.sync.coded import CodedSync
from portal.services.sync.context import SyncContext
from portal.services.text import clean

#: Avantage's listed field → (the portal's column, its length).
_TEXT_FIELDS = {"name": 160, "phone": 40, "email": 254}


def supplier_values(item: dict[str, Any]) -> dict[str, Any]:
    """The portal's columns as Avantage lists them (text bounded, active a real boolean)."""
    values: dict[str, Any] = {
        name: clean(item.get(name) if isinstance(item.get(name), str) else "")[:length] or None
        for name, length in _TEXT_FIELDS.items()
    }
    values["name"] = values["name"] or clean(str(item["code"]))[:160]
    values["active"] = item.get("active") is not False
    return values


class SupplierSync(CodedSync):
    section = SyncSection.SUPPLIERS
    model = Supplier
    create_missing = True

    def changes(self, local: Supplier, item: dict[str, Any]) -> dict[str, Any]:
        return {
            name: value
            for name, value in supplier_values(item).items()
            if getattr(local, name) != value
        }

    def create(self, ctx: SyncContext, item: dict[str, Any]) -> Supplier:
        return Supplier(
            company_id=ctx.integration.company_id,
            code=clean(self.key(item))[:20],
            **supplier_values(item),
        )
