"""Avantage's purchase orders as the portal shows them: with the portal's project, supplier
and activities they name, what it cannot place of each, and the amounts open orders commit.

The orders themselves are the sync's cache of Avantage's records (``RemoteRecord``, entity
``purchase_orders``, scope = the order's Avantage project).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import (
    Activity,
    Integration,
    Project,
    PurchaseOrderStatus,
    RecordLink,
    RemoteRecord,
    Supplier,
    SyncSection,
    db,
)
from portal.models.base import ZERO
from portal.services import project_links
from portal.services.console_scope import search_words
from portal.services.remote_values import figure
from portal.services.text import clean, normalise_code

#: Orders per page of a list.
PER_PAGE = 25
SUPPLIERS, PROJECTS = SyncSection.SUPPLIERS, SyncSection.PROJECTS


@dataclass
class KnownRecords:
    """What the portal knows of the projects, suppliers and activities orders name."""

    #: Avantage project id → the portal project linked to it.
    projects: dict[str, Project] = field(default_factory=dict)
    #: Normalised supplier code → the portal supplier (linked, else of the same code).
    suppliers: dict[str, Supplier | None] = field(default_factory=dict)
    #: Portal project id → normalised activity code → activity.
    activities: dict[int, dict[str, Activity]] = field(default_factory=dict)


def known_records(
    integration: Integration,
    projects: Iterable[str] | None = None,
    suppliers: Iterable[str] | None = None,
) -> KnownRecords:
    """The portal's side of orders naming ``projects`` and ``suppliers`` (Avantage ids and
    codes, as listed; None: all of them)."""
    company_id = integration.company_id
    known = KnownRecords()
    linked_projects = (
        sa.select(RecordLink.remote_key, Project)
        .join(Project, Project.id == RecordLink.local_id)
        .where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == PROJECTS,
            Project.company_id == company_id,
        )
    )
    if projects is not None:
        linked_projects = linked_projects.where(RecordLink.remote_key.in_(set(projects)))
    known.projects = {key: project for key, project in db.session.execute(linked_projects)}
    own_suppliers = sa.select(Supplier).where(Supplier.company_id == company_id)
    supplier_links = sa.select(RecordLink.remote_key, RecordLink.local_id).where(
        RecordLink.integration_id == integration.id,
        RecordLink.entity == SUPPLIERS,
        RecordLink.local_id.is_not(None),
    )
    if suppliers is not None:
        codes = set(suppliers)
        own_suppliers = own_suppliers.where(
            Supplier.match_key.in_({normalise_code(code) for code in codes})
        )
        supplier_links = supplier_links.where(RecordLink.remote_key.in_(codes))
    by_code = {supplier.match_key: supplier for supplier in db.session.scalars(own_suppliers)}
    by_id = {supplier.id: supplier for supplier in by_code.values()}
    known.suppliers = dict(by_code)
    linked = dict(db.session.execute(supplier_links).all())
    missing = set(linked.values()) - set(by_id)
    if missing:  # linked to a portal supplier of another code
        by_id.update(
            (supplier.id, supplier)
            for supplier in db.session.scalars(
                sa.select(Supplier).where(
                    Supplier.company_id == company_id, Supplier.id.in_(missing)
                )
            )
        )
    for key, local_id in linked.items():
        known.suppliers[normalise_code(key)] = by_id.get(local_id)
    activities = sa.select(Activity).where(Activity.company_id == company_id)
    if projects is not None:
        ids = {project.id for project in known.projects.values()}
        activities = activities.where(Activity.project_id.in_(ids))
    for activity in db.session.scalars(activities):
        of_project = known.activities.setdefault(activity.project_id, {})
        of_project[normalise_code(activity.code)] = activity
    return known


def order_project(item: dict[str, Any]) -> str:
    """The Avantage project an order belongs to (the scope it is cached under)."""
    project = item.get("project")
    return str(project)[:60] if isinstance(project, str | int) else ""


def _lines(item: dict[str, Any]) -> list[dict[str, Any]]:
    lines = item.get("lines")
    return [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


def _text(value: Any) -> str:
    return clean(value if isinstance(value, str) else "")


def order_problems(item: dict[str, Any], known: KnownRecords) -> list[str]:
    """What the portal cannot place of an order: its project, supplier, status, total or
    activities. The order is shown all the same, with these warnings."""
    problems = []
    project = order_project(item)
    linked = known.projects.get(project)
    if linked is None:
        problems.append(
            _("le projet %(project)s n'est lié à aucun projet du portail", project=project or "—")
        )
    supplier = _text(item.get("supplier"))
    if normalise_code(supplier) not in known.suppliers:
        problems.append(
            _(
                "le fournisseur %(code)s est inconnu du portail (synchronisez les fournisseurs)",
                code=supplier or "—",
            )
        )
    if item.get("status") not in set(PurchaseOrderStatus):
        problems.append(_("statut illisible"))
    if figure(item.get("total")) is None:
        problems.append(_("total illisible"))
    if linked is not None:
        codes = known.activities.get(linked.id, {})
        unknown = sorted(
            {
                _text(line.get("activity")) or "—"
                for line in _lines(item)
                if normalise_code(_text(line.get("activity"))) not in codes
            }
        )
        if unknown:
            problems.append(
                _(
                    "activité absente du projet dans le portail : %(codes)s",
                    codes=", ".join(unknown),
                )
            )
    return problems


@dataclass
class OrderLine:
    activity_code: str
    activity: Activity | None
    description: str
    amount: Decimal | None


@dataclass
class OrderView:
    """One purchase order as a page shows it."""

    number: str
    project_key: str
    project: Project | None
    supplier_code: str
    supplier: Supplier | None
    date: date | None
    status: PurchaseOrderStatus | None
    total: Decimal | None
    lines: list[OrderLine]
    problems: list[str]
    removed_at: datetime | None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def order_view(record: RemoteRecord, known: KnownRecords) -> OrderView:
    item = record.data if isinstance(record.data, dict) else {}
    project = known.projects.get(record.scope)
    activities = known.activities.get(project.id, {}) if project is not None else {}
    supplier_code = _text(item.get("supplier"))
    status = item.get("status")
    return OrderView(
        number=clean(record.key),
        project_key=record.scope,
        project=project,
        supplier_code=supplier_code,
        supplier=known.suppliers.get(normalise_code(supplier_code)),
        date=_day(item.get("date")),
        status=PurchaseOrderStatus(status) if status in set(PurchaseOrderStatus) else None,
        total=figure(item.get("total")),
        lines=[
            OrderLine(
                activity_code=_text(line.get("activity")),
                activity=activities.get(normalise_code(_text(line.get("activity")))),
                description=_text(line.get("description"))[:300],
                amount=figure(line.get("amount")),
            )
            for line in _lines(item)
        ],
        problems=order_problems(item, known),
        removed_at=record.removed_at,
    )


def orders_page(
    integration: Integration, *, project_key: str | None = None, search: str = "", page: int = 1
):
    """A page of the integration's orders (one project's when ``project_key`` is given),
    newest number first, with the views of its orders as ``views``."""
    query = sa.select(RemoteRecord).where(
        RemoteRecord.integration_id == integration.id,
        RemoteRecord.entity == SyncSection.PURCHASE_ORDERS,
    )
    if project_key is not None:
        query = query.where(RemoteRecord.scope == project_key)
    for word in search_words(search):
        query = query.where(RemoteRecord.search_text.contains(word, autoescape=True))
    query = query.order_by(RemoteRecord.key.desc(), RemoteRecord.id)
    shown = db.paginate(
        query, page=min(max(page, 1), 100_000), per_page=PER_PAGE, error_out=False, count=True
    )
    named = [record.data for record in shown.items if isinstance(record.data, dict)]
    known = known_records(
        integration,
        {record.scope for record in shown.items},
        {item["supplier"] for item in named if isinstance(item.get("supplier"), str)},
    )
    shown.views = [order_view(record, known) for record in shown.items]
    return shown


def committed_by_activity(integration: Integration, remote_id: str) -> dict[str, Decimal]:
    """Avantage activity code → the amount the project's open orders commit to it."""
    committed: dict[str, Decimal] = {}
    records = db.session.scalars(
        sa.select(RemoteRecord.data).where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == SyncSection.PURCHASE_ORDERS,
            RemoteRecord.scope == remote_id,
            RemoteRecord.removed_at.is_(None),
        )
    )
    for item in records:
        if not isinstance(item, dict) or item.get("status") != PurchaseOrderStatus.OPEN:
            continue
        for line in _lines(item):
            amount = figure(line.get("amount"))
            if amount is not None:
                code = _text(line.get("activity"))
                committed[code] = committed.get(code, ZERO) + amount
    return committed


def project_orders(company_id: int, project: Project, page: int = 1):
    """A page of the orders of ``project``'s Avantage project, in the first integration it
    is linked in (None when it is linked in none)."""
    linked = project_links.linked_integration(company_id, project)
    if linked is None:
        return None
    integration, remote_id = linked
    shown = orders_page(integration, project_key=remote_id, page=page)
    shown.integration, shown.remote_id = integration, remote_id
    return shown
