"""Integrations with third-party systems (Avantage) and their access points."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import lazy_gettext as _l
from portal.models.base import TenantMixin, TimestampMixin, UTCDateTime, db
from portal.models.enums import LabelledEnum, enum_column


class PartnerType(LabelledEnum):
    """The Type de partenaire tierce of an integration."""

    AVANTAGE = "avantage"

    @classmethod
    def _labels(cls) -> dict:
        return {cls.AVANTAGE: _l("Avantage")}


class Integration(TenantMixin, TimestampMixin, db.Model):
    """A link to one external system, named by the company's Identifiant externe."""

    __table_args__ = (sa.UniqueConstraint("company_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(60))
    partner_type: Mapped[PartnerType] = mapped_column(enum_column(PartnerType))
    #: The last successful contact with the server, and what it said about itself.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    server_version: Mapped[str | None] = mapped_column(sa.String(40))
    remote_company_name: Mapped[str | None] = mapped_column(sa.String(160))
    #: The optional features its greeting announced last (``reversal``), comma-separated;
    #: None until a connection test or a send has heard it.
    server_features: Mapped[str | None] = mapped_column(sa.String(200))

    access_points: Mapped[list[AccessPoint]] = relationship(
        back_populates="integration", order_by="AccessPoint.id", cascade="all, delete-orphan"
    )

    @property
    def default_access_point(self) -> AccessPoint | None:
        return next((point for point in self.access_points if point.is_default), None)


class AccessPoint(TenantMixin, TimestampMixin, db.Model):
    """Where and as whom the portal reaches MainTCP. Secrets are stored encrypted only."""

    __table_args__ = (
        # Exactly one default per integration: at most one here, at least one by the service.
        sa.Index(
            "uq_access_point_default",
            "integration_id",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("integration.id", ondelete="CASCADE"), index=True
    )
    host: Mapped[str] = mapped_column(sa.String(253))
    port: Mapped[int]
    username: Mapped[str] = mapped_column(sa.String(80))
    password_encrypted: Mapped[str] = mapped_column(sa.Text)
    encryption_key_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    is_default: Mapped[bool] = mapped_column(default=False)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_test_ok: Mapped[bool | None]
    #: The last test's diagnostics: steps, error texts in both languages, version, round trip.
    #: Built from the client's typed error, which never carries a secret.
    last_test_report: Mapped[dict | None] = mapped_column(sa.JSON)

    integration: Mapped[Integration] = relationship(back_populates="access_points")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    @property
    def has_encryption_key(self) -> bool:
        return self.encryption_key_encrypted is not None

    def __repr__(self) -> str:  # never the secrets
        return f"<AccessPoint {self.id} {self.url} user={self.username}>"
