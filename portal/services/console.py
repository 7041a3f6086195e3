"""The matching console of a section: both sides, Avantage's records and the portal's, one
row each (a suggested pair on one row), filtered, counted and paginated in the database.

A row is an Avantage record (with its link, or the unlinked portal record it suggests) or an
unlinked portal record that no row suggests. The pairing is SQL over stored match keys
(``match_key`` on both sides, indexed), so a page of 50 rows costs the same few statements for
30 employees or 100,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.models import (
    Integration,
    LinkMethod,
    Project,
    RecordLink,
    RemoteRecord,
    SyncSection,
    db,
)
from portal.services import console_pairing
from portal.services.console_scope import ConsoleScope, label_text, order_column, search_words
from portal.services.folding import folded

#: Console states, in the order the filter lists them.
STATES = ("linked", "created", "avantage_only", "portal_only", "removed")

#: Rows per page of a console.
PER_PAGE = 50


@dataclass
class ConsoleRow:
    state: str
    remote_key: str | None = None
    remote: dict | None = None
    local: Any = None
    method: LinkMethod | None = None
    #: A portal record that matches an unlinked Avantage row (projects: same number).
    suggestion: Any = None


@dataclass
class ConsolePage:
    """One page of a console, the number of rows the filters keep, and every state's count
    (unfiltered: what the state filter offers)."""

    rows: list[ConsoleRow]
    total: int
    page: int = 1
    pages: int = 1
    counts: dict[str, int] = field(default_factory=dict)


def _rows_query(part: ConsoleScope, words: list[str]) -> sa.Subquery:
    """Every row of the console as (side, ids, state, sort keys), filtered by ``words``.
    The suggestions are paired here only when a search must read them; otherwise
    :func:`_load` pairs the page's rows alone."""
    avantage = _avantage_rows(part, words, suggest=bool(words))
    return sa.union_all(avantage, _portal_rows(part, words)).subquery("console")


def _avantage_rows(part: ConsoleScope, words: list[str], *, suggest: bool) -> sa.Select:
    """A row per Avantage record: linked (or created, or removed since), or unlinked with
    the portal record it suggests. A removed record that was never linked is not shown."""
    model, section = part.model, part.section
    link, linked, suggested = aliased(RecordLink), aliased(model), aliased(model)
    state = sa.case(
        (linked.id.is_(None), "avantage_only"),
        (RemoteRecord.removed_at.is_not(None), "removed"),
        (link.method == LinkMethod.CREATED, "created"),
        else_="linked",
    )
    suggest = suggest and section in console_pairing.SUGGESTED
    rows = (
        sa.select(
            sa.literal(0).label("side"),
            RemoteRecord.id.label("remote_id"),
            linked.id.label("local_id"),
            (suggested.id if suggest else sa.null()).label("suggestion_id"),
            link.method.label("method"),
            state.label("state"),
            RemoteRecord.key.label("remote_order"),
            sa.cast(sa.null(), sa.String).label("local_order"),
        )
        .select_from(RemoteRecord)
        .outerjoin(
            link,
            sa.and_(
                link.integration_id == RemoteRecord.integration_id,
                link.entity == RemoteRecord.entity,
                link.remote_key == RemoteRecord.key,
            ),
        )
        .outerjoin(linked, sa.and_(linked.id == link.local_id, *part.in_scope(linked)))
        .where(*part.records(), sa.or_(linked.id.is_not(None), RemoteRecord.removed_at.is_(None)))
    )
    haystacks = [RemoteRecord.search_text, folded(label_text(section, linked))]
    if suggest:
        # No join at all otherwise: SQLite scans the whole table for an "ON false".
        rows = rows.outerjoin(
            suggested,
            sa.and_(
                suggested.id == console_pairing.suggestion(part, RemoteRecord), linked.id.is_(None)
            ),
        )
        haystacks.append(folded(label_text(section, suggested)))
    for word in words:
        rows = rows.where(
            sa.or_(*(haystack.contains(word, autoescape=True) for haystack in haystacks))
        )
    return rows


def _portal_rows(part: ConsoleScope, words: list[str]) -> sa.Select:
    """A row per unlinked portal record that no Avantage row suggests."""
    model, section = part.model, part.section
    rows = sa.select(
        sa.literal(1).label("side"),
        sa.null().label("remote_id"),
        model.id.label("local_id"),
        sa.null().label("suggestion_id"),
        sa.null().label("method"),
        sa.literal("portal_only").label("state"),
        sa.null().label("remote_order"),
        order_column(section, model).label("local_order"),
    ).where(*part.in_scope(model), part.unlinked(model))
    if section in console_pairing.SUGGESTED:
        rows = rows.where(~console_pairing.is_suggested(part, model))
    for word in words:
        rows = rows.where(folded(label_text(section, model)).contains(word, autoescape=True))
    return rows


def console_page(
    integration: Integration,
    section: SyncSection,
    *,
    scope: str = "",
    scope_project: Project | None = None,
    state: str = "",
    search: str = "",
    page: int = 1,
    per_page: int | None = PER_PAGE,
) -> ConsolePage:
    """A page of the console (every row when ``per_page`` is None), in Avantage's key order
    then the portal's name order, with the counts of each state."""
    part = ConsoleScope(integration, section, scope, scope_project)
    everything = _rows_query(part, [])
    counts = dict.fromkeys(STATES, 0)
    counts.update(
        (row.state, row.count)
        for row in db.session.execute(
            sa.select(everything.c.state, sa.func.count().label("count")).group_by(
                everything.c.state
            )
        )
    )
    state = state if state in STATES else ""
    words = search_words(search)
    if words:
        found, total, page, pages = _search_page(part, words, state, page, per_page)
        return ConsolePage(_load(part, found, paired=True), total, page, pages, counts)
    # The counts tell how many rows the filters keep, without reading the section again.
    total = counts[state] if state else sum(counts.values())
    pages, page, offset = _clamped(total, page, per_page)
    found = _rows_in_order(part, state, counts, offset, per_page)
    return ConsolePage(_load(part, found, paired=False), total, page, pages, counts)


def _clamped(total: int, page: int, per_page: int | None) -> tuple[int, int, int]:
    """(pages, the page within them, its offset) for ``total`` rows; one page of all rows
    when ``per_page`` is None."""
    if per_page is None:
        return 1, 1, 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return pages, page, (page - 1) * per_page


def _search_page(
    part: ConsoleScope, words: list[str], state: str, page: int, per_page: int | None
) -> tuple[list[sa.Row], int, int, int]:
    """A page of the rows a search keeps, and their number counted in the same statement
    (a window count): a search reads the section once, where a count first read it twice.
    Only a page past the last one costs a second statement (the count, then the last page).
    """
    rows = _rows_query(part, words)
    query = (
        sa.select(rows, sa.func.count().over().label("found"))
        .where(*([rows.c.state == state] if state else []))
        .order_by(rows.c.side, rows.c.remote_order, rows.c.local_order, rows.c.local_id)
    )
    if per_page is None:
        found = db.session.execute(query).all()
        return found, len(found), 1, 1
    page = max(page, 1)
    found = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    if not found and page > 1:  # past the last page: the last one instead
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        _pages, page, offset = _clamped(total, page, per_page)
        found = db.session.execute(query.limit(per_page).offset(offset)).all()
    total = found[0].found if found else 0
    pages, page, _offset = _clamped(total, page, per_page)
    return found, total, page, pages


def _rows_in_order(
    part: ConsoleScope, state: str, counts: dict[str, int], offset: int, limit: int | None
) -> list[sa.Row]:
    """Rows ``offset`` to ``offset + limit`` of the console's order: Avantage's side by key,
    then the portal's by name, each read in the order of its own index and stopped at the
    page, where one query over both sides sorted the whole section for every page."""
    avantage_rows = sum(
        count for name, count in counts.items() if name != "portal_only" and state in ("", name)
    )
    found: list[sa.Row] = []
    if offset < avantage_rows and state != "portal_only":
        side = _avantage_rows(part, [], suggest=False).subquery("avantage")
        query = sa.select(side).where(*([side.c.state == state] if state else []))
        query = query.order_by(side.c.remote_order).limit(limit).offset(offset)
        found = db.session.execute(query).all()
    wanted = None if limit is None else limit - len(found)
    if state in ("", "portal_only") and wanted != 0:
        side = _portal_rows(part, []).subquery("portal")
        query = sa.select(side).order_by(side.c.local_order, side.c.local_id)
        query = query.limit(wanted).offset(max(0, offset - avantage_rows))
        found += db.session.execute(query).all()
    return found


def console_row(
    integration: Integration, section: SyncSection, remote_key: str
) -> ConsoleRow | None:
    """The console row of one Avantage record (a mapping grid's row), or None."""
    part = ConsoleScope(integration, section, "", None)
    query = _avantage_rows(part, [], suggest=False).where(RemoteRecord.key == remote_key)
    rows = db.session.execute(query).all()
    return next(iter(_load(part, rows, paired=False)), None)


def _load(part: ConsoleScope, rows: list[sa.Row], *, paired: bool) -> list[ConsoleRow]:
    """The records behind a page of rows (one query per side), and the portal record each
    unlinked Avantage row suggests when the rows do not say it yet (``paired``)."""
    remote_ids = [row.remote_id for row in rows if row.remote_id is not None]
    if paired:
        suggestions = {row.remote_id: row.suggestion_id for row in rows}
    else:
        suggestions = console_pairing.suggestions_of(
            part, [r.remote_id for r in rows if r.state == "avantage_only"]
        )
    local_ids = {row.local_id for row in rows} | set(suggestions.values())
    local_ids.discard(None)
    remotes = {
        record.id: record
        for record in db.session.scalars(
            sa.select(RemoteRecord).where(RemoteRecord.id.in_(remote_ids))
        )
    }
    model = part.model
    locals_by_id = {
        local.id: local
        for local in db.session.scalars(
            sa.select(model).where(*part.in_scope(model), model.id.in_(local_ids))
        )
    }
    page = []
    for row in rows:
        remote = remotes.get(row.remote_id)
        page.append(
            ConsoleRow(
                row.state,
                remote.key if remote else None,
                remote.data if remote else None,
                locals_by_id.get(row.local_id),
                row.method,
                suggestion=locals_by_id.get(suggestions.get(row.remote_id)),
            )
        )
    return page
