"""Journal d'audit: who changed what in the integration, the payroll and the rights, when;
filtered and paginated in the database, and streamed as a CSV (never built in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.formatting import local_datetime
from portal.i18n import gettext as _
from portal.models import AuditEvent, User, db
from portal.services import spreadsheet
from portal.services.history import day_arg, id_arg, within_days

#: Events per page of the journal, and per read of its CSV.
PER_PAGE = 50
CHUNK = 1_000


def categories() -> dict[str, str]:
    """An action's first word → what the filter calls it."""
    return {
        "integration": _("Intégrations"),
        "access_point": _("Points d'accès"),
        "link": _("Liens et correspondances"),
        "project": _("Projets"),
        "activity": _("Activités"),
        "sync": _("Synchronisations"),
        "schedule": _("Planification"),
        "export": _("Envois à la paie"),
        "timesheet": _("Feuilles gelées"),
        "user": _("Licences et permissions"),
        "company": _("Compagnie"),
    }


@dataclass(frozen=True)
class AuditFilters:
    category: str = ""
    user_id: int | None = None
    search: str = ""
    since: date | None = None
    until: date | None = None


def filters_from(args: Any) -> AuditFilters:
    category = args.get("categorie", "")
    who = args.get("qui", "")
    return AuditFilters(
        category=category if category in categories() else "",
        user_id=id_arg(who),
        search=args.get("q", "")[:100].strip(),
        since=day_arg(args.get("du", "")),
        until=day_arg(args.get("au", "")),
    )


def _query(company_id: int, filters: AuditFilters, zone: ZoneInfo) -> sa.Select:
    query = sa.select(AuditEvent).where(
        AuditEvent.company_id == company_id,
        *within_days(AuditEvent.at, filters.since, filters.until, zone),
    )
    if filters.category:
        query = query.where(AuditEvent.action.startswith(filters.category + ".", autoescape=True))
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.search:
        query = query.where(sa.func.lower(AuditEvent.summary).contains(filters.search.lower()))
    return query


def events_page(company_id: int, filters: AuditFilters, zone: ZoneInfo, page: int = 1):
    query = _query(company_id, filters, zone).options(joinedload(AuditEvent.user))
    return db.paginate(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )


def changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of an event that records both sides."""
    details = event.details or {}
    before, after = details.get("before"), details.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [
        (name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def _events(company_id: int, filters: AuditFilters, zone: ZoneInfo) -> Iterator[AuditEvent]:
    """The events, newest first, read ``CHUNK`` at a time (keyset on (at, id))."""
    query = _query(company_id, filters, zone).options(joinedload(AuditEvent.user))
    last = None
    while True:
        chunk = query
        if last is not None:
            chunk = chunk.where(
                sa.or_(
                    AuditEvent.at < last.at,
                    sa.and_(AuditEvent.at == last.at, AuditEvent.id < last.id),
                )
            )
        rows = db.session.scalars(
            chunk.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(CHUNK)
        ).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = rows[-1]


def csv_lines(
    company_id: int, filters: AuditFilters, zone: ZoneInfo, chosen: spreadsheet.Dialect
) -> Iterator[bytes]:
    header = [_("Quand"), _("Qui"), _("Action"), _("Quoi"), _("Avant → après")]
    return spreadsheet.stream(header, _rows(company_id, filters, zone), chosen)


def _rows(company_id: int, filters: AuditFilters, zone: ZoneInfo) -> Iterator[list[str]]:
    safe = spreadsheet.safe_text
    for event in _events(company_id, filters, zone):
        who = event.user.full_name if event.user is not None else _("Planification ou système")
        moved = "; ".join(f"{name} : {old} → {new}" for name, old, new in changes(event))
        yield [local_datetime(event.at), safe(who), event.action, safe(event.summary), safe(moved)]


def actors(company_id: int) -> list[User]:
    """The people the journal names: the « who » filter's choices."""
    ids = sa.select(AuditEvent.user_id).where(
        AuditEvent.company_id == company_id, AuditEvent.user_id.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.company_id == company_id, User.id.in_(ids))
            .order_by(User.name_sort, User.id)
        )
    )
