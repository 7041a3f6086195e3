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
