"""What time is recorded against: trades, hour types, expense types, projects and activities."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import TenantMixin, TimestampMixin, db
from portal.models.enums import ExpenseKind, ProjectStatus, enum_column


class Trade(TenantMixin, TimestampMixin, db.Model):
    """A métier (charpentier-menuisier, électricien, …)."""

    __table_args__ = (sa.UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)


class HourType(TenantMixin, TimestampMixin, db.Model):
    """A type d'heures; exactly one per company is the regular type (``is_regular``)."""

    __table_args__ = (sa.UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    is_regular: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class ExpenseType(TenantMixin, TimestampMixin, db.Model):
    """A dépense or prime; its kind says whether a line carries an amount, a quantity or hours."""

    __table_args__ = (sa.UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[ExpenseKind] = mapped_column(enum_column(ExpenseKind))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)


class Project(TenantMixin, TimestampMixin, db.Model):
    __table_args__ = (sa.UniqueConstraint("company_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus), default=ProjectStatus.ACTIVE
    )

    activities: Mapped[list[Activity]] = relationship(
        back_populates="project", order_by="Activity.code", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.number} — {self.name}"


class Activity(TenantMixin, TimestampMixin, db.Model):
    """A budget activity of a project (code de coût)."""

    __table_args__ = (sa.UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(160))
    active: Mapped[bool] = mapped_column(default=True)

    project: Mapped[Project] = relationship(back_populates="activities")

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}"
