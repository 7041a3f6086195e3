"""What time is recorded against: trades, hour types, expense types, projects and activities."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.formatting import sort_key_text
from portal.models.base import MatchedByCode, SortKey, TenantMixin, TimestampMixin, db
from portal.models.enums import ExpenseKind, ProjectStatus, enum_column
from portal.services.text import normalise_code


class Trade(MatchedByCode, TenantMixin, TimestampMixin, db.Model):
    """A métier (charpentier-menuisier, électricien, …)."""

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.Index("ix_trade_company_id_match_key", "company_id", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)


class HourType(MatchedByCode, TenantMixin, TimestampMixin, db.Model):
    """A type d'heures; exactly one per company is the regular type (``is_regular``)."""

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.Index("ix_hour_type_company_id_match_key", "company_id", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    is_regular: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class ExpenseType(MatchedByCode, TenantMixin, TimestampMixin, db.Model):
    """A dépense or prime; its kind says whether a line carries an amount, a quantity or hours."""

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.Index("ix_expense_type_company_id_match_key", "company_id", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[ExpenseKind] = mapped_column(enum_column(ExpenseKind))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)


def _inserted_number_key(context) -> str:
    return normalise_code(context.get_current_parameters().get("number"))


def _inserted_label_sort(context) -> str:
    row = context.get_current_parameters()
    return sort_key_text(f"{row.get('number') or ''} {row.get('name') or ''}")


class Project(TenantMixin, TimestampMixin, db.Model):
    __table_args__ = (
        sa.UniqueConstraint("company_id", "number"),
        sa.Index("ix_project_company_id_label_sort", "company_id", "label_sort"),
        sa.Index("ix_project_company_id_match_key", "company_id", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(160))
    #: What lists of projects ORDER BY: the label (number, then name) as a Québec reader sorts
    #: it (``formatting.sort_key_text``); kept by ``_keep_label_sort``, or the column default.
    label_sort: Mapped[str] = mapped_column(SortKey, default=_inserted_label_sort)
    #: The number as syncs and consoles match it (``normalise_code``), kept with it.
    match_key: Mapped[str] = mapped_column(sa.String(90), default=_inserted_number_key)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus), default=ProjectStatus.ACTIVE
    )

    activities: Mapped[list[Activity]] = relationship(
        back_populates="project", order_by="Activity.code", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.number} — {self.name}"

    @validates("number", "name")
    def _keep_label_sort(self, field: str, value: str) -> str:
        number = value if field == "number" else self.number
        name = value if field == "name" else self.name
        self.label_sort = sort_key_text(f"{number or ''} {name or ''}")
        if field == "number":
            self.match_key = normalise_code(value)
        return value


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
