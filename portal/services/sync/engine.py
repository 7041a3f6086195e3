"""The page loop every section shares: list, cache, decide, apply, count, commit, cancel.

Links and cached records are held as light rows, not ORM objects, and written with one bulk
statement per page: a sync of 10,000 employees must not build 30,000 ORM objects.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from portal.avantage import AvantageClient
from portal.i18n import gettext as _
from portal.models import RecordLink, RemoteRecord, SyncRun, SyncSection, db
from portal.models.base import utcnow
from portal.models.sync import remote_search_text
from portal.services import collector, run_notes, runs
from portal.services.bulk_insert import insert_missing, insert_rows
from portal.services.leases import Lease
from portal.services.sync.context import CachedRecord, Decision, LinkRow, SyncContext
from portal.services.sync.removal import mark_removed

#: Records asked for per LIST: the most AVTCP/1 allows. Each page is one commit (and a bulk
#: statement per table), so bigger pages cost less per record; 1,000 employees are some
#: 300 KB in a frame capped at 8 MiB.
PAGE_SIZE = 1000

#: The longest Avantage key the portal keeps (``RemoteRecord.key``, ``RecordLink.remote_key``).
KEY_LENGTH = 120


class SectionSync:
    """One section's matching rules; subclasses set ``section`` and the hooks below."""

    section: SyncSection

    def scope(self, run: SyncRun) -> str:
        """The Avantage project for per-project sections, else ""."""
        return ""

    def key(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    #: A record Avantage stops listing is noted and counted even when linked to nothing
    #: (sections whose records are the result, not a source of portal records).
    notes_every_removal = False

    #: Runs of other scopes may write the same records at the same time (company-wide and
    #: per-project runs of one entity): a record another run has just added is skipped.
    shared_records = False

    def cached_in(self, scope: str) -> list[sa.ColumnElement]:
        """Which cached records a run of ``scope`` loads (default: those of its scope)."""
        return [RemoteRecord.scope == scope]

    def record_scope(self, item: dict[str, Any], scope: str) -> str:
        """The scope an Avantage record is cached under (default: the run's)."""
        return scope

    def covers(self, record_scope: str, scope: str) -> bool:
        """Whether a full listing of ``scope`` lists the records cached under
        ``record_scope``: one it does not list any more is Retiré d'Avantage."""
        return True

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
        row.remote_key: LinkRow(row.remote_key, row.local_id, row.method, row.created_at)
        for row in db.session.execute(
            sa.select(
                RecordLink.remote_key, RecordLink.local_id, RecordLink.method, RecordLink.created_at
            ).where(RecordLink.integration_id == integration.id, RecordLink.entity == section)
        )
    }
    ctx.cache = {
        row.key: CachedRecord(row.id, row.remote_updated_at, row.removed_at, row.scope)
        for row in db.session.execute(
            sa.select(
                RemoteRecord.id,
                RemoteRecord.key,
                RemoteRecord.remote_updated_at,
                RemoteRecord.removed_at,
                RemoteRecord.scope,
            ).where(
                RemoteRecord.integration_id == integration.id,
                RemoteRecord.entity == section,
                *sync.cached_in(scope),
            )
        )
    }
    sync.prepare(ctx)


def _remote_changed(ctx: SyncContext, key: str, item: dict[str, Any]) -> bool:
    record, updated_at = ctx.cache.get(key), item.get("updated_at")
    return (
        record is None
        or record.removed_at is not None
        or updated_at is None
        or record.updated_at != updated_at
    )


def _cache(ctx: SyncContext, key: str, scope: str, item: dict[str, Any], now) -> None:
    """Keep Avantage's record as listed (what consoles and dropdowns read); write only what
    is new or changed, so that a resync of an unchanged list writes nothing."""
    record = ctx.cache.get(key)
    if record is None:
        ctx.cache[key] = CachedRecord(None, item.get("updated_at"), None, scope)
        ctx.new_records.append(
            (
                key,
                {
                    "company_id": ctx.integration.company_id,
                    "integration_id": ctx.integration.id,
                    "entity": ctx.run.section,
                    "key": key,
                    "scope": scope,
                    "data": item,
                    "remote_updated_at": item.get("updated_at"),
                    "seen_at": now,
                },
            )
        )
    elif ctx.remote_changed:
        record.updated_at, record.removed_at = item.get("updated_at"), None
        record.scope = scope
        ctx.changed_records.append(
            {
                "id": record.id,
                "scope": scope,
                "data": item,
                "search_text": remote_search_text(key, item),
                "removed_at": None,
                "remote_updated_at": item.get("updated_at"),
                "seen_at": now,
            }
        )


def _write_page(ctx: SyncContext, sync: SectionSync) -> None:
    """The page's cache rows and links, one bulk statement each (COPY on PostgreSQL)."""
    if ctx.new_records:
        # No RETURNING: on SQLite it would cost one statement per row. A record added now is
        # listed once per run, so this run never needs its id.
        rows = [values for _, values in ctx.new_records]
        if sync.shared_records:
            insert_missing(RemoteRecord.__table__, rows)
        else:
            insert_rows(RemoteRecord.__table__, rows)
    if ctx.changed_records:
        db.session.execute(sa.update(RemoteRecord), ctx.changed_records)
    if ctx.new_links:
        insert_rows(RecordLink.__table__, ctx.new_links)
    ctx.new_records, ctx.changed_records, ctx.new_links = [], [], []


def _readable_key(sync: SectionSync, item: Any) -> str | None:
    """The record's key, or None when it has none or one too long to keep."""
    try:
        key = sync.key(item)
    except (KeyError, TypeError, AttributeError):
        return None
    return key if 0 < len(key) <= KEY_LENGTH else None


def _refuse(ctx: SyncContext, item: Any) -> None:
    """A record the portal cannot key is left out of the run, with a warning that says so."""
    ctx.tally["warnings"] += 1
    shown = str(item)[:80]
    warning = _(
        "Un enregistrement d'Avantage est ignoré : son identifiant manque ou dépasse "
        "%(n)d caractères (%(record)s…). Corrigez-le dans Avantage, puis relancez.",
        n=KEY_LENGTH,
        record=shown,
    )
    run_notes.add_note(ctx.new_notes, "warning", shown, warning)


def _count(ctx: SyncContext, key: str, decision: Decision) -> None:
    tally, notes = ctx.tally, ctx.new_notes
    tally["updated"] += len(decision.resolves)
    if ctx.preview:
        for label in decision.resolves:
            run_notes.add_note(notes, "updated", key, label)
    if decision.outcome in ("unchanged", "updated", "skipped") and ctx.linked_during_run(key):
        return  # counted as created or linked by an earlier attempt of this run
    if decision.outcome in ("created", "linked", "updated", "unchanged"):
        tally[decision.outcome] += 1
    elif decision.outcome == "skipped":
        tally["unchanged"] += 1
    if decision.warning:
        tally["warnings"] += 1
        run_notes.add_note(notes, "warning", key, decision.warning)
    elif decision.outcome in ("created", "linked", "updated"):
        run_notes.add_note(notes, decision.outcome, key, decision.label)


def _add_tally(run: SyncRun, tally: Counter[str]) -> None:
    """Add the page's counts to the run: a few attribute sets a page, where counting on the
    run itself cost an ORM attribute event per record (30,000 for 10,000 employees)."""
    for name, count in tally.items():
        setattr(run, name, getattr(run, name) + count)
    tally.clear()


def run_section(
    run: SyncRun,
    client: AvantageClient,
    sync: SectionSync,
    *,
    page_size: int = PAGE_SIZE,
    lease: Lease | None = None,
) -> None:
    """List the section's entity page by page; commit each page; stop if cancelled, or if
    another job took the run (``lease`` lost).

    A preview decides exactly as a real run does but writes only the run's own row and its
    notes.
    """
    session = db.session()
    # Page commits must not expire the objects held for matching: reloading them one by one
    # after each page would cost a query per record.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with collector.bulk_work():
            _run_pages(run, client, sync, page_size, lease)
    finally:
        session.expire_on_commit = expire_on_commit


def _run_pages(
    run: SyncRun, client: AvantageClient, sync: SectionSync, page_size: int, lease: Lease | None
) -> None:
    ctx = SyncContext(run=run, integration=run.integration)
    scope = sync.scope(run)
    _load(ctx, sync, scope)
    started = utcnow()
    seen: set[str] = set()
    run.done = 0
    run.updated = run.unchanged = 0
    if run.preview:
        # A preview wrote nothing: a new attempt decides every record again, so what an
        # earlier one counted and noted would be counted twice.
        run.created = run.linked = run.warnings = 0
        run_notes.clear_notes(run)
    pages = client.list_pages(
        run.section.value, project=scope or None, since=run.since, limit=page_size
    )
    for page in pages:
        if lease:
            lease.check()
        for item in page.items:
            key = _readable_key(sync, item)
            if key is None:
                _refuse(ctx, item)
                continue
            seen.add(key)
            ctx.remote_changed = _remote_changed(ctx, key, item)
            if not run.preview:
                _cache(ctx, key, sync.record_scope(item, scope), item, started)
            decision = sync.decide(ctx, item)
            _count(ctx, key, decision)
            if not run.preview:
                sync.apply(ctx, item, decision)
        if not run.preview:
            sync.after_page(ctx)
            _write_page(ctx, sync)
        _add_tally(run, ctx.tally)
        run_notes.write_notes(run, ctx.new_notes)
        run.done += len(page.items)
        runs.report_progress(run, total=page.total)
        db.session.commit()
        runs.check_cancelled(run)
    if run.full and not run.preview:
        run.removed = mark_removed(ctx, sync, scope, seen, started)
        run_notes.write_notes(run, ctx.new_notes)
    db.session.commit()
