"""Corrections after payroll: a sent sheet unfrozen with a reason becomes a new revision,
whose send reverses in Avantage what the previous revision put there (SDK §5a)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import TenantMixin, UTCDateTime, db, utcnow


class TimesheetRevision(TenantMixin, db.Model):
    """Revision R``number`` of a sheet: why and by whom it was unfrozen, the lines the frozen
    sheet held then (``original``, read-only), and how the correction ended."""

    __table_args__ = (sa.UniqueConstraint("timesheet_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timesheet_id: Mapped[int] = mapped_column(
        sa.ForeignKey("timesheet.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    unfrozen_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    unfrozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The committed batch whose lines of this sheet the correction reverses.
    replaces_batch_id: Mapped[int] = mapped_column(sa.ForeignKey("export_batch.id"))
    #: The Rapprochement that led to it (Aligner le portail), if any.
    reconciliation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reconciliation.id", ondelete="SET NULL")
    )
    #: The frozen sheet's lines as shown to people: [{kind, date, project, activity, what,
    #: value, unit}], so the original stays readable whatever changes afterwards.
    original: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The batch that carried the correction to Avantage, once it committed.
    sent_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("export_batch.id", ondelete="SET NULL")
    )
    #: Recorded as keyed in Avantage by hand (a server without reversal lines).
    corrected_outside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrected_outside_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    timesheet = relationship("Timesheet")
    unfrozen_by = relationship("User", foreign_keys=[unfrozen_by_id])
    corrected_outside_by = relationship("User", foreign_keys=[corrected_outside_by_id])
    replaces_batch = relationship("ExportBatch", foreign_keys=[replaces_batch_id])
    sent_batch = relationship("ExportBatch", foreign_keys=[sent_batch_id])

    @property
    def label(self) -> str:
        return f"R{self.number}"
