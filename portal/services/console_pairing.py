"""The pairing rule of the matching consoles, in SQL: for each match key, the first unlinked
Avantage record (by key) suggests the first unlinked portal record (by id).

Each piece is a correlated lookup that reads one entry of an index (match keys on both sides,
links by key and by portal id), so pairing a whole section stays linear in its size.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.models import RecordLink, RemoteRecord, SyncSection, db
from portal.services.console_scope import ConsoleScope
from portal.services.matching import LOCAL_MODELS

#: The consoles that show a suggestion on an Avantage row (the activities table does not).
SUGGESTED = frozenset(LOCAL_MODELS) - {SyncSection.ACTIVITIES}


def unmatched(part: ConsoleScope, record: Any) -> sa.ColumnElement:
    """``record`` (a RemoteRecord alias) is listed and linked to no portal record."""
    link, local = aliased(RecordLink), aliased(part.model)
    return sa.and_(
        record.removed_at.is_(None),
        record.match_key != "",
        ~sa.exists()
        .where(
            link.integration_id == record.integration_id,
            link.entity == record.entity,
            link.remote_key == record.key,
        )
        .where(local.id == link.local_id, *part.in_scope(local)),
    )


def suggestion(part: ConsoleScope, record: Any) -> sa.ColumnElement:
    """The id of the portal record ``record`` suggests, if it is the first unmatched record
    of its match key (else NULL)."""
    earlier, candidate = aliased(RemoteRecord), aliased(part.model)
    first = ~sa.exists().where(
        earlier.integration_id == record.integration_id,
        earlier.entity == record.entity,
        earlier.scope == record.scope,
        earlier.match_key == record.match_key,
        earlier.key < record.key,
        unmatched(part, earlier),
    )
    candidate_id = (
        sa.select(sa.func.min(candidate.id))
        .where(
            *part.in_scope(candidate),
            candidate.match_key == record.match_key,
            part.unlinked(candidate),
        )
        .scalar_subquery()
    )
    return sa.case((sa.and_(unmatched(part, record), first), candidate_id), else_=None)


def suggestions_of(part: ConsoleScope, remote_ids: list[int]) -> dict[int, int | None]:
    """Avantage record id → the portal record it suggests, for a page's unlinked rows."""
    if part.section not in SUGGESTED or not remote_ids:
        return {}
    query = sa.select(RemoteRecord.id, suggestion(part, RemoteRecord)).where(
        RemoteRecord.id.in_(remote_ids)
    )
    return {record_id: local_id for record_id, local_id in db.session.execute(query)}


def is_suggested(part: ConsoleScope, local: Any) -> sa.ColumnElement:
    """``local`` (unlinked) is the first unlinked portal record of its match key, and an
    unmatched Avantage record has that key: its row is that record's."""
    earlier, record = aliased(part.model), aliased(RemoteRecord)
    return sa.and_(
        local.match_key != "",
        ~sa.exists().where(
            *part.in_scope(earlier),
            earlier.match_key == local.match_key,
            earlier.id < local.id,
            part.unlinked(earlier),
        ),
        sa.exists().where(
            record.integration_id == part.integration.id,
            record.entity == part.section,
            record.scope == part.scope,
            record.match_key == local.match_key,
            unmatched(part, record),
        ),
    )
