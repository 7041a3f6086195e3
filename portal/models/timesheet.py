"""Weekly timesheets and their hour and expense lines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Hours, Money, Quantity, TenantMixin, TimestampMixin, UTCDateTime, db
from portal.models.enums import ExpenseKind, TimesheetStatus, enum_column


class Timesheet(TenantMixin, TimestampMixin, db.Model):
    """One employee's week, starting on a Monday."""

    __table_args__ = (sa.UniqueConstraint("employee_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[TimesheetStatus] = mapped_column(
        enum_column(TimesheetStatus), default=TimesheetStatus.DRAFT, index=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: The export batch sending this sheet now: no edit, transition or second send meanwhile.
    export_lock_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("export_batch.id", use_alter=True, ondelete="SET NULL")
    )
    #: 0 for the sheet as first sent; R1, R2… once unfrozen for a correction.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Unfrozen and not yet re-sent (or recorded as corrected in Avantage): "En correction".
    in_correction: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), index=True
    )
    #: The last batch Avantage accepted with this sheet (the badge on the sheet).
    last_export_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("export_batch.id", use_alter=True, ondelete="SET NULL")
    )

    employee = relationship("User", foreign_keys=[employee_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    frozen_by = relationship("User", foreign_keys=[frozen_by_id])
    export_lock = relationship("ExportBatch", foreign_keys=[export_lock_id])
    last_export = relationship("ExportBatch", foreign_keys=[last_export_id])
    hour_lines: Mapped[list[HourLine]] = relationship(
        back_populates="timesheet",
        order_by="(HourLine.work_date, HourLine.id)",
        cascade="all, delete-orphan",
    )
    expense_lines: Mapped[list[ExpenseLine]] = relationship(
        back_populates="timesheet",
        order_by="(ExpenseLine.work_date, ExpenseLine.id)",
        cascade="all, delete-orphan",
    )

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        return [self.week_start + timedelta(days=offset) for offset in range(7)]

    @property
    def total_hours(self) -> Decimal:
        return sum((line.hours for line in self.hour_lines), Decimal("0.00"))

    def hours_on(self, day: date) -> Decimal:
        return sum(
            (line.hours for line in self.hour_lines if line.work_date == day), Decimal("0.00")
        )


class HourLine(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    timesheet_id: Mapped[int] = mapped_column(
        sa.ForeignKey("timesheet.id", ondelete="CASCADE"), index=True
    )
    work_date: Mapped[date] = mapped_column(sa.Date)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"))
    trade_id: Mapped[int] = mapped_column(sa.ForeignKey("trade.id"))
    #: Empty means the company's regular type.
    hour_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hour_type.id"))
    hours: Mapped[Decimal] = mapped_column(Hours)

    timesheet: Mapped[Timesheet] = relationship(back_populates="hour_lines")
    project = relationship("Project")
    activity = relationship("Activity")
    trade = relationship("Trade")
    hour_type = relationship("HourType")


class ExpenseLine(TimestampMixin, db.Model):
    """An expense or bonus; exactly the value field its type's kind calls for is set."""

    id: Mapped[int] = mapped_column(primary_key=True)
    timesheet_id: Mapped[int] = mapped_column(
        sa.ForeignKey("timesheet.id", ondelete="CASCADE"), index=True
    )
    work_date: Mapped[date] = mapped_column(sa.Date)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"))
    expense_type_id: Mapped[int] = mapped_column(sa.ForeignKey("expense_type.id"))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    hours: Mapped[Decimal | None] = mapped_column(Hours)

    timesheet: Mapped[Timesheet] = relationship(back_populates="expense_lines")
    project = relationship("Project")
    activity = relationship("Activity")
    expense_type = relationship("ExpenseType")

    @property
    def value(self) -> Decimal | None:
        """The value the expense type's kind calls for."""
        kind = self.expense_type.kind
        if kind == ExpenseKind.AMOUNT:
            return self.amount
        if kind == ExpenseKind.QUANTITY:
            return self.quantity
        return self.hours
