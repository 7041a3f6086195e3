"""Métiers: matched on the code; a trade Avantage has and the portal lacks is created."""

from __future__ import annotations

from typing import Any

from portal.models import SyncSection, Trade
from portal.services.sync.coded import CodedSync
from portal.services.sync.engine import SyncContext
from portal.services.text import clean


class TradeSync(CodedSync):
    section = SyncSection.TRADES
    model = Trade
    create_missing = True

    def changes(self, local: Trade, item: dict[str, Any]) -> dict[str, Any]:
        name = clean(item.get("name"))[:120]
        return {"name": name} if name and local.name != name else {}

    def create(self, ctx: SyncContext, item: dict[str, Any]) -> Trade:
        return Trade(
            company_id=ctx.integration.company_id,
            code=clean(self.key(item))[:20],
            name=clean(item.get("name"))[:120] or clean(self.key(item)),
        )
