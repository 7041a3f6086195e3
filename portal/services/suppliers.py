"""The company's suppliers as the Fournisseurs list shows them: searched, sorted by name and
paginated in the database, each with the Avantage suppliers it is linked to."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.models import Integration, LinkMethod, RecordLink, Supplier, SyncSection, db
from portal.services.console_scope import search_words
from portal.services.folding import folded

#: Suppliers per page of the list.
PER_PAGE = 50


@dataclass(frozen=True)
class SupplierLink:
    """An Avantage supplier a portal supplier is linked to."""

    integration: str
    remote_key: str
    method: LinkMethod


def supplier_page(company_id: int, *, search: str = "", page: int = 1):
    """A page of the company's suppliers holding every word of ``search`` (in the name, code,
    phone or e-mail), by name; ``links`` maps each shown supplier's id to its links."""
    query = sa.select(Supplier).where(Supplier.company_id == company_id)
    text = (
        Supplier.code
        + " "
        + Supplier.name
        + " "
        + sa.func.coalesce(Supplier.phone, "")
        + " "
        + sa.func.coalesce(Supplier.email, "")
    )
    for word in search_words(search):
        query = query.where(folded(text).contains(word, autoescape=True))
    shown = db.paginate(
        query.order_by(Supplier.name_sort, Supplier.id),
        page=min(max(page, 1), 100_000),
        per_page=PER_PAGE,
        error_out=False,
    )
    shown.links = _links(company_id, [supplier.id for supplier in shown.items])
    return shown


def _links(company_id: int, supplier_ids: list[int]) -> dict[int, list[SupplierLink]]:
    if not supplier_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            RecordLink.local_id, Integration.external_id, RecordLink.remote_key, RecordLink.method
        )
        .join(Integration, Integration.id == RecordLink.integration_id)
        .where(
            Integration.company_id == company_id,
            RecordLink.entity == SyncSection.SUPPLIERS,
            RecordLink.local_id.in_(supplier_ids),
        )
        .order_by(Integration.external_id)
    )
    links: dict[int, list[SupplierLink]] = {}
    for local_id, integration, remote_key, method in rows:
        links.setdefault(local_id, []).append(SupplierLink(integration, remote_key, method))
    return links
