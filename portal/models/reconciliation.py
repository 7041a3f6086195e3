"""Rapprochement: what Avantage holds of a committed batch, compared line by line with what
the portal sent. The frozen sheets are never rewritten: the differences are kept beside them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import lazy_gettext as _l
from portal.models.base import LeaseMixin, TenantMixin, UTCDateTime, db, utcnow
from portal.models.enums import LabelledEnum, enum_column


class ReconciliationStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in (ReconciliationStatus.QUEUED, ReconciliationStatus.RUNNING)

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.QUEUED: _l("En attente"),
            cls.RUNNING: _l("En cours"),
            cls.DONE: _l("Terminé"),
            cls.FAILED: _l("Échoué"),
        }


class DifferenceKind(LabelledEnum):
    MODIFIED = "modified"
    DELETED = "deleted"
    ADDED = "added"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.MODIFIED: _l("Modifié dans Avantage"),
            cls.DELETED: _l("Supprimé dans Avantage"),
            cls.ADDED: _l("Ajouté dans Avantage"),
        }


class Reconciliation(TenantMixin, LeaseMixin, db.Model):
    """One Rapprocher of a batch (by a person or by the daily job), held by its job's lease
    while it runs; the reaper fails one whose job died or was lost."""

    __table_args__ = (
        # One queued or running reconciliation per batch: a second click joins it.
        sa.Index(
            "uq_reconciliation_active",
            "batch_id",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("export_batch.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    status: Mapped[ReconciliationStatus] = mapped_column(
        enum_column(ReconciliationStatus), default=ReconciliationStatus.QUEUED
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identical: Mapped[int] = mapped_column(default=0)
    modified: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    #: The client's typed error, in both languages (never a secret).
    error: Mapped[dict | None] = mapped_column(sa.JSON)

    requested_by = relationship("User")
    batch = relationship("ExportBatch")

    @property
    def differences_count(self) -> int:
        return self.modified + self.deleted + self.added


class ReconciliationDifference(TenantMixin, db.Model):
    """A line Avantage changed or deleted, or an entry it holds that no batch sent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reconciliation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DifferenceKind] = mapped_column(enum_column(DifferenceKind))
    #: The batch's line (None for an entry added in Avantage).
    line_no: Mapped[int | None]
    #: Avantage's ``entry`` id (None for a deleted line).
    entry_id: Mapped[int | None]
    timesheet_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("timesheet.id", ondelete="SET NULL"), index=True
    )
    employee: Mapped[str] = mapped_column(sa.String(120))
    work_date: Mapped[str] = mapped_column(sa.String(10))
    #: Field → value, as sent (``before``) and as Avantage holds it now (``after``).
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
