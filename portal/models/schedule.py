"""Synchronisation planifiée: when each section (or a project's section) runs on its own.

The schedule is the source of truth for what is due; what happened is in the runs it started
(``SyncRun.schedule_id``): a schedule is paused after three failed runs in a row, derived from
those runs (``services/schedules``), not from a counter that could drift from them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import lazy_gettext as _l
from portal.models.base import TenantMixin, TimestampMixin, UTCDateTime, db
from portal.models.enums import LabelledEnum, enum_column
from portal.models.sync import SyncSection


class ScheduleMode(LabelledEnum):
    MANUAL = "manual"
    HOURLY = "hourly"
    DAILY = "daily"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.MANUAL: _l("Manuel"),
            cls.HOURLY: _l("Chaque heure"),
            cls.DAILY: _l("Chaque jour"),
        }


class SyncSchedule(TenantMixin, TimestampMixin, db.Model):
    """How one section of one integration (and project) runs on its own."""

    __table_args__ = (
        # The same key as the section's runs: one schedule per section (and project).
        sa.UniqueConstraint("lock_key"),
        sa.Index("ix_sync_schedule_due", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integration.id", ondelete="CASCADE"))
    section: Mapped[SyncSection] = mapped_column(enum_column(SyncSection))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    lock_key: Mapped[str] = mapped_column(sa.String(80))
    mode: Mapped[ScheduleMode] = mapped_column(
        enum_column(ScheduleMode), default=ScheduleMode.MANUAL
    )
    #: « HH:MM » in the company's time zone, for a daily schedule.
    daily_at: Mapped[str | None] = mapped_column(sa.String(5))
    #: When it is next due (UTC); None when manual or paused. Claimed by a conditional UPDATE.
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by Reprendre: failures before it no longer count towards a pause.
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The newest failed run a Superadmin has acknowledged (its banner is gone).
    acknowledged_run_id: Mapped[int | None]

    integration = relationship("Integration")
    project = relationship("Project")
