"""What a console's SQL is made of: a section's portal model within its scope, its Avantage
records, and the text a search reads of each portal record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.models import Integration, Project, RecordLink, RemoteRecord, SyncSection
from portal.services.folding import fold
from portal.services.matching import LOCAL_MODELS
from portal.services.text import clean

#: The words of a search that count (the rest of a pasted paragraph is ignored).
MAX_SEARCH_WORDS = 8


@dataclass(frozen=True)
class ConsoleScope:
    """The SQL pieces of one console: its portal model, scope and Avantage records."""

    integration: Integration
    section: SyncSection
    scope: str
    scope_project: Project | None

    @property
    def model(self) -> Any:
        return LOCAL_MODELS[self.section]

    def in_scope(self, local: Any) -> list[sa.ColumnElement]:
        conditions = [local.company_id == self.integration.company_id]
        if self.section == SyncSection.ACTIVITIES and self.scope_project is not None:
            conditions.append(local.project_id == self.scope_project.id)
        return conditions

    def unlinked(self, local: Any) -> sa.ColumnElement:
        """``local`` has no link. NOT IN over the section's linked ids, not a correlated NOT
        EXISTS: PostgreSQL hashes the list once and tests it before the costlier "is it
        suggested?" lookup, which it ran for every record of the section otherwise (the
        state counts at 20,000 people: 100 → 65 ms)."""
        return local.id.not_in(
            sa.select(RecordLink.local_id).where(
                RecordLink.integration_id == self.integration.id,
                RecordLink.entity == self.section,
                RecordLink.local_id.is_not(None),  # a NULL in a NOT IN list keeps no row
            )
        )

    def records(self) -> list[sa.ColumnElement]:
        return [
            RemoteRecord.integration_id == self.integration.id,
            RemoteRecord.entity == self.section,
            RemoteRecord.scope == self.scope,
        ]


def label_text(section: SyncSection, local: Any) -> sa.ColumnElement:
    """What a search reads of a portal record: the words of its label."""
    if section == SyncSection.EMPLOYEES:
        return (
            sa.func.coalesce(local.employee_number, "")
            + " "
            + local.first_name
            + " "
            + (local.last_name)
        )
    if section == SyncSection.PROJECTS:
        return local.number + " " + local.name
    return local.code + " " + local.name


def order_column(section: SyncSection, local: Any) -> sa.ColumnElement:
    if section == SyncSection.EMPLOYEES:
        return local.name_sort
    if section == SyncSection.PROJECTS:
        return local.label_sort
    return local.code


def search_words(search: str) -> list[str]:
    """The folded words of a console search: a row shows when it holds every one."""
    return (fold(clean(search[:100])) or "").split()[:MAX_SEARCH_WORDS]
