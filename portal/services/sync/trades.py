"""Métiers: matched on the code; a trade Avantage has and the portal lacks is created.

Employees synced before their trade existed wait for it (no Métier habituel): the sync of
Métiers gives them the trade it links or creates, and counts them as updated.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import Integration, RecordLink, SyncSection, Trade, User, db
from portal.services.sync.coded import CodedSync
from portal.services.sync.context import Decision, SyncContext
from portal.services.text import clean, normalise_code


def trade_ids(integration: Integration) -> dict[str, int]:
    """Avantage trade code (normalised) → the portal trade it stands for: the one it is
    linked to, else the portal trade with the same code."""
    company_id = integration.company_id
    resolved = {
        normalise_code(code): trade_id
        for code, trade_id in db.session.execute(
            sa.select(Trade.code, Trade.id).where(Trade.company_id == company_id)
        )
    }
    links = db.session.execute(
        sa.select(RecordLink.remote_key, Trade.id)
        .join(Trade, Trade.id == RecordLink.local_id)
        .where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == SyncSection.TRADES,
            Trade.company_id == company_id,
        )
    )
    resolved.update({normalise_code(key): trade_id for key, trade_id in links})
    return resolved


def _waiting_employees(company_id: int) -> dict[str, list[tuple[int, str]]]:
    """Employees with an Avantage trade but no Métier habituel, by trade code (normalised)."""
    waiting: dict[str, list[tuple[int, str]]] = {}
    rows = db.session.execute(
        sa.select(
            User.id, User.employee_number, User.first_name, User.last_name, User.avantage_trade_code
        )
        .where(
            User.company_id == company_id,
            User.default_trade_id.is_(None),
            User.avantage_trade_code.is_not(None),
        )
        .order_by(User.name_sort, User.id)
    )
    for row in rows:
        label = f"{row.employee_number or '—'} — {row.first_name} {row.last_name}".strip()
        waiting.setdefault(normalise_code(row.avantage_trade_code), []).append((row.id, label))
    return waiting


class TradeSync(CodedSync):
    section = SyncSection.TRADES
    model = Trade
    create_missing = True

    def prepare(self, ctx: SyncContext) -> None:
        super().prepare(ctx)
        self.waiting = _waiting_employees(ctx.integration.company_id)
        #: This page's trades (Avantage key) and the employees waiting for each.
        self.resolving: list[tuple[str, list[int]]] = []

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        decision = super().decide(ctx, item)
        resolvable = decision.outcome == "created" or decision.detail.get("local") is not None
        waiting = self.waiting.pop(normalise_code(self.key(item)), []) if resolvable else []
        if waiting:
            trade = clean(self.key(item))
            decision.detail["employees"] = [user_id for user_id, _label in waiting]
            decision.resolves = [
                _("%(employee)s : métier habituel %(trade)s", employee=label, trade=trade)
                for _user_id, label in waiting
            ]
        return decision

    def changes(self, local: Trade, item: dict[str, Any]) -> dict[str, Any]:
        name = clean(item.get("name"))[:120]
        return {"name": name} if name and local.name != name else {}

    def create(self, ctx: SyncContext, item: dict[str, Any]) -> Trade:
        return Trade(
            company_id=ctx.integration.company_id,
            code=clean(self.key(item))[:20],
            name=clean(item.get("name"))[:120] or clean(self.key(item)),
        )

    def apply(self, ctx: SyncContext, item: dict[str, Any], decision: Decision) -> None:
        super().apply(ctx, item, decision)
        if decision.detail.get("employees"):
            self.resolving.append((self.key(item), decision.detail["employees"]))

    def after_page(self, ctx: SyncContext) -> None:
        """Create and link the page's trades, then give the waiting employees theirs."""
        super().after_page(ctx)
        updates = [
            {"id": user_id, "default_trade_id": ctx.links[key].local_id}
            for key, user_ids in self.resolving
            for user_id in user_ids
        ]
        if updates:
            db.session.execute(sa.update(User), updates)
        self.resolving = []
