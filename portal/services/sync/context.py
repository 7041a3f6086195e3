"""What one run of a section holds while it pages through Avantage: its links and cached
records as light rows, the page's pending writes, and the decision taken for a record."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.models import Integration, LinkMethod, SyncRun
from portal.models.base import utcnow


@dataclass
class Decision:
    """What a sync does (or, in a preview, would do) with one Avantage record."""

    #: created | linked | updated | unchanged | skipped
    outcome: str
    label: str
    warning: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    #: Records of other sections whose waiting reference this record resolves (their
    #: labels): each counts as updated, in this run.
    resolves: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LinkRow:
    """A RecordLink as the sync needs it (``local_id`` None: kept unlinked by hand)."""

    remote_key: str
    local_id: int | None
    method: LinkMethod
    created_at: datetime | None


@dataclass(slots=True)
class CachedRecord:
    """A RemoteRecord as the sync needs it (``id`` None when added by this run).

    Avantage's ``updated_at`` tells whether a record changed: the data itself is not loaded.
    """

    id: int | None
    updated_at: str | None
    removed_at: datetime | None
    scope: str = ""


@dataclass
class SyncContext:
    run: SyncRun
    integration: Integration
    #: The section's links by Avantage key (manual unlinks included, ``local_id`` None).
    links: dict[str, LinkRow] = field(default_factory=dict)
    cache: dict[str, CachedRecord] = field(default_factory=dict)
    #: Whether the record being decided is new or changed since Avantage last listed it.
    remote_changed: bool = False
    #: This page's writes, flushed in bulk before the page is committed.
    new_links: list[dict[str, Any]] = field(default_factory=list)
    new_records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed_records: list[dict[str, Any]] = field(default_factory=list)
    #: The page's notes (``run_notes.add_note``), written with it, in a preview too.
    new_notes: list[dict[str, Any]] = field(default_factory=list)
    #: The page's counts (created, linked, updated, unchanged, warnings), added to the run
    #: with the page.
    tally: Counter[str] = field(default_factory=Counter)

    @property
    def preview(self) -> bool:
        return self.run.preview

    def link(self, remote_key: str, local_id: int, method: LinkMethod) -> None:
        """Link ``remote_key`` to the portal record ``local_id`` (written with the page)."""
        now = utcnow()
        self.links[remote_key] = LinkRow(remote_key, local_id, method, now)
        self.new_links.append(
            {
                "company_id": self.integration.company_id,
                "integration_id": self.integration.id,
                "entity": self.run.section,
                "remote_key": remote_key,
                "local_id": local_id,
                "method": method,
                "created_at": now,
                "updated_at": now,
            }
        )

    def linked_during_run(self, remote_key: str) -> bool:
        """True for a link this run made in an earlier attempt (already counted then)."""
        link = self.links.get(remote_key)
        started = self.run.started_at
        return (
            link is not None
            and link.created_at is not None
            and started is not None
            and link.created_at >= started
        )
