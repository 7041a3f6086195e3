"""The audit log and the sign-in attempts behind rate limiting."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import TenantMixin, UTCDateTime, db, utcnow


class AuditEvent(TenantMixin, db.Model):
    """Who did what, when; ``details`` never holds a secret."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.String(300))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user = relationship("User")


class LoginAttempt(db.Model):
    """A sign-in attempt, kept for the rate limit (per e-mail and per address)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(45), index=True)
    succeeded: Mapped[bool]
