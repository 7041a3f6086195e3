"""The page loop every section shares: list, cache, decide, apply, count, commit, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.avantage import AvantageClient
from portal.models import Integration, RecordLink, RemoteRecord, SyncRun, SyncSection, db
from portal.models.base import utcnow
from portal.services import runs


@dataclass
class Decision:
    """What a sync does (or, in a preview, would do) with one Avantage record."""

    #: created | linked | updated | unchanged | skipped
    outcome: str
    label: str
    warning: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class SyncContext:
    run: SyncRun
    integration: Integration
    #: The run's links by Avantage key (manual unlinks included, with ``local_id`` None).
    links: dict[str, RecordLink] = field(default_factory=dict)
    cache: dict[str, RemoteRecord] = field(default_factory=dict)
    #: Whether the record being decided is new or changed since Avantage last listed it.
    remote_changed: bool = False

    @property
    def preview(self) -> bool:
        return self.run.preview

    def link(self, remote_key: str, local_id: int, method) -> RecordLink:
        link = RecordLink(
            company_id=self.integration.company_id,
            integration_id=self.integration.id,
            entity=self.run.section,
            remote_key=remote_key,
            local_id=local_id,
            method=method,
        )
        db.session.add(link)
        self.links[remote_key] = link
        return link

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


class SectionSync:
    """One section's matching rules; subclasses set ``section`` and the hooks below."""

    section: SyncSection

    def scope(self, run: SyncRun) -> str:
        """The Avantage project for per-project sections, else ""."""
        return ""

    def key(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    def prepare(self, ctx: SyncContext) -> None:
        """Load what ``decide`` compares against (the portal's records, by key)."""

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        raise NotImplementedError

    def apply(self, ctx: SyncContext, item: dict[str, Any], decision: Decision) -> None:
        """Write what ``decide`` decided (never called in a preview)."""

    def after_page(self, ctx: SyncContext) -> None:
        """Finish the page's writes before it is committed (never called in a preview)."""


def _load(ctx: SyncContext, sync: SectionSync, scope: str) -> None:
    integration, section = ctx.integration, ctx.run.section
    ctx.links = {
        link.remote_key: link
        for link in db.session.scalars(
            db.select(RecordLink).where(
                RecordLink.integration_id == integration.id, RecordLink.entity == section
            )
        )
    }
    ctx.cache = {
        record.key: record
        for record in db.session.scalars(
            db.select(RemoteRecord).where(
                RemoteRecord.integration_id == integration.id,
                RemoteRecord.entity == section,
                RemoteRecord.scope == scope,
            )
        )
    }
    sync.prepare(ctx)


def _remote_changed(ctx: SyncContext, key: str, item: dict[str, Any]) -> bool:
    record = ctx.cache.get(key)
    return record is None or record.data != item or record.removed_at is not None


def _cache(ctx: SyncContext, key: str, scope: str, item: dict[str, Any], now) -> None:
    """Keep Avantage's record as listed (what consoles and dropdowns read)."""
    record = ctx.cache.get(key)
    if record is None:
        record = RemoteRecord(
            company_id=ctx.integration.company_id,
            integration_id=ctx.integration.id,
            entity=ctx.run.section,
            key=key,
            scope=scope,
            data=item,
        )
        db.session.add(record)
        ctx.cache[key] = record
    elif record.data != item:
        record.data = item
    record.removed_at = None
    record.remote_updated_at = item.get("updated_at")
    record.seen_at = now


def _count(ctx: SyncContext, key: str, decision: Decision) -> None:
    run = ctx.run
    if decision.outcome in ("unchanged", "updated", "skipped") and ctx.linked_during_run(key):
        return  # counted as created or linked by an earlier attempt of this run
    if decision.outcome in ("created", "linked", "updated", "unchanged"):
        setattr(run, decision.outcome, getattr(run, decision.outcome) + 1)
    elif decision.outcome == "skipped":
        run.unchanged += 1
    if decision.warning:
        run.warnings += 1
        runs.add_note(run, "warning", key, decision.warning)
    elif run.preview and decision.outcome in ("created", "linked", "updated"):
        runs.add_note(run, decision.outcome, key, decision.label)


def run_section(
    run: SyncRun, client: AvantageClient, sync: SectionSync, *, page_size: int = 500
) -> None:
    """List the section's entity page by page; commit each page; stop if cancelled.

    A preview decides exactly as a real run does but writes only the run's own row.
    """
    ctx = SyncContext(run=run, integration=run.integration)
    scope = sync.scope(run)
    _load(ctx, sync, scope)
    started = utcnow()
    run.done = 0
    run.updated = run.unchanged = 0
    pages = client.list_pages(
        run.section.value, project=scope or None, since=run.since, limit=page_size
    )
    for page in pages:
        for item in page.items:
            key = sync.key(item)
            ctx.remote_changed = _remote_changed(ctx, key, item)
            if not run.preview:
                _cache(ctx, key, scope, item, started)
            decision = sync.decide(ctx, item)
            _count(ctx, key, decision)
            if not run.preview:
                sync.apply(ctx, item, decision)
        if not run.preview:
            sync.after_page(ctx)
        run.done += len(page.items)
        runs.report_progress(run, total=page.total)
        db.session.commit()
        runs.check_cancelled(run)
    if run.full and not run.preview:
        run.removed = _mark_removed(ctx, started)
    db.session.commit()


def _mark_removed(ctx: SyncContext, started) -> int:
    """After a full listing: records not seen any more are Retiré d'Avantage."""
    removed_linked = 0
    for key, record in ctx.cache.items():
        if record.seen_at < started and record.removed_at is None:
            record.removed_at = started
            link = ctx.links.get(key)
            if link is not None and link.local_id is not None:
                removed_linked += 1
                runs.add_note(ctx.run, "removed", key, record.data.get("name") or key)
    return removed_linked
