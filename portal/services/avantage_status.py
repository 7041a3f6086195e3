"""What Avantage says about the portal's employees, as its last employee sync listed it.

An employee Avantage marks inactive stays active in the portal (an admin decides on the
licence); the pages only show it, since Avantage refuses their hours (INACTIVE_EMPLOYEE).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from portal.models import RecordLink, RemoteRecord, SyncSection, db


def inactive_in_avantage(company_id: int, user_ids: Iterable[int]) -> set[int]:
    """The ids among ``user_ids`` linked to an Avantage employee listed as inactive.

    One query whatever the number of ids; a record removed from Avantage does not count.
    """
    ids = set(user_ids)
    if not ids:
        return set()
    query = (
        sa.select(RecordLink.local_id)
        .distinct()
        .join(
            RemoteRecord,
            sa.and_(
                RemoteRecord.integration_id == RecordLink.integration_id,
                RemoteRecord.entity == RecordLink.entity,
                RemoteRecord.key == RecordLink.remote_key,
            ),
        )
        .where(
            RecordLink.company_id == company_id,
            RecordLink.entity == SyncSection.EMPLOYEES,
            RecordLink.local_id.in_(ids),
            RemoteRecord.company_id == company_id,
            RemoteRecord.removed_at.is_(None),
            RemoteRecord.data["active"].as_boolean().is_(False),
        )
    )
    return set(db.session.scalars(query))
