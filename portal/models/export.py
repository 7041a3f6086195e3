"""Exportation vers la paie: batches of timesheet lines sent to Avantage, exactly once."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import lazy_gettext as _l
from portal.models.base import LeaseMixin, TenantMixin, UTCDateTime, db, utcnow
from portal.models.enums import LabelledEnum, enum_column


class BatchStatus(LabelledEnum):
    QUEUED = "queued"
    SENDING = "sending"
    #: Stopped after BEGIN_BATCH (worker died, connection lost): must be resumed, which asks
    #: Avantage (GET_BATCH) what it already has.
    INTERRUPTED = "interrupted"
    COMMITTED = "committed"
    REJECTED = "rejected"
    #: Ended before anything could reach Avantage, or abandoned once Avantage confirmed it
    #: holds nothing of it.
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in (BatchStatus.COMMITTED, BatchStatus.REJECTED, BatchStatus.FAILED)

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.QUEUED: _l("En attente"),
            cls.SENDING: _l("Envoi en cours"),
            cls.INTERRUPTED: _l("Interrompu — à reprendre"),
            cls.COMMITTED: _l("Accepté par Avantage"),
            cls.REJECTED: _l("Refusé par Avantage"),
            cls.FAILED: _l("Échoué"),
        }


def new_batch_key() -> str:
    return f"portail-{uuid.uuid4().hex}"


class ExportBatch(TenantMixin, LeaseMixin, db.Model):
    """One Envoyer à Avantage: its lines are frozen when it is created, then sent as is."""

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integration.id"))
    #: Chosen by the portal, sent with every batch operation: Avantage's idempotency key.
    batch_key: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_batch_key)
    status: Mapped[BatchStatus] = mapped_column(
        enum_column(BatchStatus), default=BatchStatus.QUEUED
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    #: The batch this one re-sends the valid sheets of (Envoyer seulement les feuilles valides).
    resend_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("export_batch.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once BEGIN_BATCH succeeded: from then on only GET_BATCH can say what Avantage has.
    begun_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Avantage's number for the batch (TS-000123).
    avantage_batch: Mapped[str | None] = mapped_column(sa.String(40))
    sheet_count: Mapped[int] = mapped_column(default=0)
    line_count: Mapped[int] = mapped_column(default=0)
    hours_total: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"))
    lines_sent: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    #: The client's typed error, in both languages (never a secret).
    error: Mapped[dict | None] = mapped_column(sa.JSON)
    #: When the sender and the Superadmins were notified of the batch's rejection.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    integration = relationship("Integration")
    requested_by = relationship("User")
    lines: Mapped[list[ExportLine]] = relationship(
        back_populates="batch", order_by="ExportLine.line_no", cascade="all, delete-orphan"
    )


class ExportLine(db.Model):
    """One line of a batch, exactly as sent (``payload``), and Avantage's verdict on it."""

    __table_args__ = (
        sa.UniqueConstraint("batch_id", "line_no"),
        # The hours already sent for an employee and a day (the preflight's daily limit).
        sa.Index("ix_export_line_employee_work_date", "employee", "work_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("export_batch.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int]
    timesheet_id: Mapped[int] = mapped_column(sa.ForeignKey("timesheet.id"), index=True)
    hour_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hour_line.id", ondelete="SET NULL")
    )
    expense_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("expense_line.id", ondelete="SET NULL")
    )
    payload: Mapped[dict] = mapped_column(sa.JSON)
    #: A reversal line's original: the line of an earlier committed batch it cancels.
    reverses_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("export_line.id", ondelete="SET NULL"), index=True
    )
    #: The payload's ``employee`` and ``date``, copied so that an index finds a day's lines
    #: without reading every payload ever sent.
    employee: Mapped[str | None] = mapped_column(sa.String(120))
    work_date: Mapped[str | None] = mapped_column(sa.String(10))
    rejection_code: Mapped[str | None] = mapped_column(sa.String(40))
    rejection_message: Mapped[str | None] = mapped_column(sa.String(300))

    batch: Mapped[ExportBatch] = relationship(back_populates="lines")
    timesheet = relationship("Timesheet")
