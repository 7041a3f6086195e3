"""The matching console of a section: both sides, Avantage's records and the portal's, one
row each (a suggested pair on one row), filtered and searched; and what a row may link to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.formatting import sorted_by_name
from portal.models import (
    Activity,
    Integration,
    LinkMethod,
    Project,
    RecordLink,
    RemoteRecord,
    SyncSection,
    db,
)
from portal.services.matching import (
    LOCAL_MODELS,
    linked_local_ids,
    local_key,
    local_label,
    remote_match_key,
)
from portal.services.text import clean

#: The consoles that show a suggestion on an Avantage row (the activities table does not).
SUGGESTED = frozenset(LOCAL_MODELS) - {SyncSection.ACTIVITIES}

#: Console states, in the order the filter lists them.
STATES = ("linked", "created", "avantage_only", "portal_only", "removed")


@dataclass
class ConsoleRow:
    state: str
    remote_key: str | None = None
    remote: dict | None = None
    local: Any = None
    method: LinkMethod | None = None
    #: A portal record that matches an unlinked Avantage row (projects: same number).
    suggestion: Any = None


def _locals(section: SyncSection, company_id: int, scope_project: Project | None) -> list:
    model = LOCAL_MODELS[section]
    query = db.select(model).where(model.company_id == company_id)
    if section == SyncSection.ACTIVITIES and scope_project is not None:
        query = query.where(Activity.project_id == scope_project.id)
    return list(db.session.scalars(query))


def console_rows(
    integration: Integration,
    section: SyncSection,
    *,
    scope: str = "",
    scope_project: Project | None = None,
) -> list[ConsoleRow]:
    """Both sides of a section: one row per Avantage record (with the unlinked portal record
    it suggests, if any) and one per other unlinked portal record."""
    remotes = db.session.scalars(
        db.select(RemoteRecord)
        .where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == section,
            RemoteRecord.scope == scope,
        )
        .order_by(RemoteRecord.key)
    ).all()
    links = {
        link.remote_key: link
        for link in db.session.scalars(
            db.select(RecordLink).where(
                RecordLink.integration_id == integration.id, RecordLink.entity == section
            )
        )
    }
    locals_by_id = {
        local.id: local for local in _locals(section, integration.company_id, scope_project)
    }
    linked_ids = {link.local_id for link in links.values() if link.local_id is not None}
    unlinked = {
        local_key(section, local): local
        for local in locals_by_id.values()
        if local.id not in linked_ids
    }
    rows = []
    for record in remotes:
        link = links.get(record.key)
        local = locals_by_id.get(link.local_id) if link and link.local_id else None
        if local is not None:
            state = (
                "removed"
                if record.removed_at is not None
                else "created"
                if link.method == LinkMethod.CREATED
                else "linked"
            )
            rows.append(ConsoleRow(state, record.key, record.data, local, link.method))
        elif record.removed_at is None:
            # The suggested record is shown on this row only, not as Portail seulement too.
            suggestion = (
                unlinked.pop(remote_match_key(section, record.key), None)
                if section in SUGGESTED
                else None
            )
            rows.append(ConsoleRow("avantage_only", record.key, record.data, suggestion=suggestion))
    rows += [ConsoleRow("portal_only", local=local) for local in unlinked.values()]
    return rows


def filter_rows(
    rows: list[ConsoleRow], section: SyncSection, *, state: str = "", search: str = ""
) -> list[ConsoleRow]:
    term = clean(search).casefold()
    if state in STATES:
        rows = [row for row in rows if row.state == state]
    if term:
        rows = [row for row in rows if term in _haystack(section, row)]
    return rows


def _haystack(section: SyncSection, row: ConsoleRow) -> str:
    parts = [row.remote_key or "", *(str(value) for value in (row.remote or {}).values())]
    for local in (row.local, row.suggestion):
        if local is not None:
            parts.append(local_label(section, local))
    return " ".join(parts).casefold()


def console_choices(
    integration: Integration, section: SyncSection, limit: int = 500
) -> list[tuple[int, str]]:
    """The portal records a row can be linked to: every active one for the mapping grids,
    the still unlinked ones elsewhere."""
    records = _locals(section, integration.company_id, None)
    if section in (SyncSection.HOUR_TYPES, SyncSection.EARNINGS):
        records = [record for record in records if record.active]
    else:
        linked = set(linked_local_ids(integration, section))
        records = [record for record in records if record.id not in linked]
    choices = sorted_by_name(
        ((record.id, local_label(section, record)) for record in records), lambda pair: pair[1]
    )
    return choices[:limit]
