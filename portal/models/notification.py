"""Notifications: what the portal tells a person in the portal (and, when SMTP is set and
they want it, by e-mail): a failed scheduled run, a paused schedule, a rejected payroll batch.

A notification holds its text in both languages, written when it is made, so that the page
and the e-mail read the same whichever language the person chooses later; never a secret.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import TenantMixin, UTCDateTime, db, utcnow


class Notification(TenantMixin, db.Model):
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    #: schedule_failed | schedule_paused | batch_rejected
    kind: Mapped[str] = mapped_column(sa.String(30))
    message_fr: Mapped[str] = mapped_column(sa.Text)
    message_en: Mapped[str] = mapped_column(sa.Text)
    #: The page that fixes it, as a path of the portal (« /synchro/executions/12/details »).
    link: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def message(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_fr
