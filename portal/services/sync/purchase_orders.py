"""Bons de commande: Avantage's purchase orders, company-wide (the integration page) or one
project's (Admin du projet), kept in the cache of Avantage's records.

Nothing is created or linked: an order stays Avantage's. Each is cached under its own project,
whichever run listed it, so the company-wide and the per-project runs share one copy; an order
whose project, supplier or activity the portal does not know is kept and warned about.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import SyncRun, SyncSection
from portal.services import project_links, purchase_orders
from portal.services.purchase_orders import order_project
from portal.services.sync.context import Decision, SyncContext
from portal.services.sync.engine import SectionSync
from portal.services.text import clean


class PurchaseOrderSync(SectionSync):
    section = SyncSection.PURCHASE_ORDERS
    shared_records = True
    notes_every_removal = True

    def scope(self, run: SyncRun) -> str:
        if run.project_id is None:
            return ""
        return project_links.remote_project_id(run.integration, run.project)

    def key(self, item: dict[str, Any]) -> str:
        return str(item["number"])

    def cached_in(self, scope: str) -> list[sa.ColumnElement]:
        # Every order of the integration: one that moved to this project is already cached.
        return []

    def record_scope(self, item: dict[str, Any], scope: str) -> str:
        return order_project(item)

    def covers(self, record_scope: str, scope: str) -> bool:
        return not scope or record_scope == scope

    def prepare(self, ctx: SyncContext) -> None:
        self.known = purchase_orders.known_records(ctx.integration)

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        number = clean(self.key(item))
        label = _("%(number)s : projet %(project)s", number=number, project=order_project(item))
        problems = purchase_orders.order_problems(item, self.known)
        warning = None
        if problems:
            warning = _(
                "Bon de commande %(number)s : %(problems)s. Il est affiché avec cet avertissement.",
                number=number,
                problems="; ".join(problems),
            )
        return Decision("updated" if ctx.remote_changed else "unchanged", label, warning=warning)
