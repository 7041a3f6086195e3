"""After a full listing: the cached records Avantage no longer lists are Retiré d'Avantage
(marked, never deleted), with a note for each one a portal record was linked to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.models import RemoteRecord, db
from portal.services import run_notes
from portal.services.sync.context import SyncContext

if TYPE_CHECKING:
    from portal.services.sync.engine import SectionSync


def mark_removed(
    ctx: SyncContext, sync: SectionSync, scope: str, seen: set[str], now: datetime
) -> int:
    """After a full listing: records not listed any more are Retiré d'Avantage."""
    removed = {
        key: record
        for key, record in ctx.cache.items()
        if key not in seen and record.removed_at is None and sync.covers(record.scope, scope)
    }
    if not removed:
        return 0
    db.session.execute(
        sa.update(RemoteRecord),
        [{"id": record.id, "removed_at": now} for record in removed.values()],
    )
    names = dict(
        db.session.execute(
            sa.select(RemoteRecord.key, RemoteRecord.data).where(
                RemoteRecord.id.in_([record.id for record in removed.values()])
            )
        ).all()
    )
    removed_linked = 0
    for key, record in removed.items():
        record.removed_at = now
        link = ctx.links.get(key)
        if sync.notes_every_removal or (link is not None and link.local_id is not None):
            removed_linked += 1
            data = names.get(key) or {}
            label = (
                data.get("name")
                or " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
                or key
            )
            text = key.strip() if label == key else f"{key.strip()} — {label}"
            run_notes.add_note(ctx.new_notes, "removed", key, text)
    return removed_linked
