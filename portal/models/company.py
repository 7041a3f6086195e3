"""Companies (the tenants) and their users, who are also their employees."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from portal.formatting import sort_key_text
from portal.models.base import SortKey, TenantMixin, TimestampMixin, UTCDateTime, db
from portal.models.enums import Licence, TimesheetPermission, enum_column
from portal.services.text import normalise_employee_number

#: Domain of the e-mail given to employees created without one (RFC 2606 reserves .invalid).
PLACEHOLDER_EMAIL_DOMAIN = "sans-courriel.invalid"


def name_sort_of(first_name: str | None, last_name: str | None) -> str:
    """Where a person sorts: by last then first name, as a Québec reader orders them."""
    return sort_key_text(f"{last_name or ''} {first_name or ''}")


def _inserted_number_key(context) -> str:
    return normalise_employee_number(context.get_current_parameters().get("employee_number"))


def _inserted_name_sort(context) -> str:
    """The key of a row inserted without the ORM (the employee sync's bulk insert)."""
    row = context.get_current_parameters()
    return name_sort_of(row.get("first_name"), row.get("last_name"))


#: The time zone of a company that chose none: Québec's.
DEFAULT_TIME_ZONE = "America/Toronto"


class Company(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The IANA zone daily schedules are read in (« chaque jour à 06:00 »).
    time_zone: Mapped[str] = mapped_column(
        sa.String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )


class User(UserMixin, TenantMixin, TimestampMixin, db.Model):
    """A person of the company: an employee who records time and, with a licence, manages."""

    __table_args__ = (
        sa.UniqueConstraint("company_id", "employee_number"),
        sa.Index("ix_user_company_id_name_sort", "company_id", "name_sort"),
        sa.Index("ix_user_company_id_match_key", "company_id", "match_key"),
        # E-mails are unique whatever their case: sign-in, the user form and the employee
        # sync's page of new addresses look them up by lower(email).
        sa.Index("ix_user_email_lower", sa.func.lower(sa.text("email"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    email_is_placeholder: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    #: What lists of people ORDER BY (``name_sort_of``); kept by ``_keep_name_sort`` and, for
    #: Core inserts, by the column default. A Core UPDATE of a name must set it too.
    name_sort: Mapped[str] = mapped_column(SortKey, default=_inserted_name_sort)
    employee_number: Mapped[str | None] = mapped_column(sa.String(20))
    #: The number as syncs and consoles match it (``normalise_employee_number``: no leading
    #: zeros), kept by ``_keep_match_key`` and, for Core inserts, by the column default.
    match_key: Mapped[str] = mapped_column(sa.String(60), default=_inserted_number_key)
    licence: Mapped[Licence] = mapped_column(enum_column(Licence), default=Licence.NONE)
    is_superadmin: Mapped[bool] = mapped_column(default=False)
    timesheet_permission: Mapped[TimesheetPermission] = mapped_column(
        enum_column(TimesheetPermission), default=TimesheetPermission.LIMITED
    )
    active: Mapped[bool] = mapped_column(default=True)
    default_trade_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("trade.id", ondelete="SET NULL")
    )
    #: Kept by the employee sync: the person's trade code and competency level in Avantage.
    avantage_trade_code: Mapped[str | None] = mapped_column(sa.String(20))
    avantage_competency: Mapped[str | None] = mapped_column(sa.String(40))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    #: Notifications are e-mailed too (when SMTP is set); the person can turn it off.
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the session cookie holds instead of the id: changed on password change or
    #: deactivation, which signs the person out everywhere.
    login_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )

    default_trade = relationship("Trade")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @validates("first_name", "last_name")
    def _keep_name_sort(self, field: str, value: str) -> str:
        first = value if field == "first_name" else self.first_name
        last = value if field == "last_name" else self.last_name
        self.name_sort = name_sort_of(first, last)
        return value

    @validates("employee_number")
    def _keep_match_key(self, _field: str, value: str | None) -> str | None:
        self.match_key = normalise_employee_number(value)
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def can_sign_in(self) -> bool:
        return self.active and self.password_hash is not None

    @property
    def is_manager(self) -> bool:
        return self.active and self.licence == Licence.MANAGEMENT

    @property
    def is_company_superadmin(self) -> bool:
        """Superadmin counts only with a management licence (DESIGN: 'Superadmin manager')."""
        return self.is_manager and self.is_superadmin

    @property
    def is_timesheet_admin(self) -> bool:
        """Admin on timesheets: freezes them and sends them to payroll."""
        return self.has_timesheet_permission(TimesheetPermission.ADMIN)

    def has_timesheet_permission(self, level: TimesheetPermission) -> bool:
        return self.active and self.timesheet_permission.at_least(level)

    def get_id(self) -> str:  # Flask-Login
        return self.login_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.rotate_login_token()

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def rotate_login_token(self) -> None:
        self.login_token = secrets.token_urlsafe(32)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
