"""The audit log: who did what, when. Never pass a secret in ``details``."""

from __future__ import annotations

from typing import Any

from portal.models import AuditEvent, User, db


def record(
    company_id: int,
    actor: User | None,
    action: str,
    target: Any,
    summary: str,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for ``target`` (a model instance) to the session."""
    event = AuditEvent(
        company_id=company_id,
        user_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__,
        target_id=getattr(target, "id", None),
        summary=summary[:300],
        details=details,
    )
    db.session.add(event)
    return event


def recent(company_id: int, *, target: Any = None, limit: int = 50) -> list[AuditEvent]:
    """The latest events of the company, optionally only those of one target."""
    query = db.select(AuditEvent).where(AuditEvent.company_id == company_id)
    if target is not None:
        query = query.where(
            AuditEvent.target_type == type(target).__name__, AuditEvent.target_id == target.id
        )
    return list(
        db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    )
