"""What the synchronisations know: Avantage's records, the links to the portal's, and the runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import lazy_gettext as _l
from portal.models.base import LeaseMixin, TenantMixin, TimestampMixin, UTCDateTime, db, utcnow
from portal.models.enums import LabelledEnum, enum_column
from portal.services.folding import fold
from portal.services.text import normalise_code, normalise_employee_number

#: How much of a record's listed values a console search reads.
SEARCH_TEXT_LENGTH = 2_000


class SyncSection(LabelledEnum):
    """A section of the integration page; its Avantage entity has the same name."""

    PROJECTS = "projects"
    EMPLOYEES = "employees"
    TRADES = "trades"
    HOUR_TYPES = "hour_types"
    EARNINGS = "earnings"
    ACTIVITIES = "activities"
    BUDGET = "budget"
    SUPPLIERS = "suppliers"
    PURCHASE_ORDERS = "purchase_orders"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.PROJECTS: _l("Projets"),
            cls.EMPLOYEES: _l("Employés"),
            cls.TRADES: _l("Métiers"),
            cls.HOUR_TYPES: _l("Type d'heures"),
            cls.EARNINGS: _l("Dépenses et primes"),
            cls.ACTIVITIES: _l("Activités"),
            cls.BUDGET: _l("Budget"),
            cls.SUPPLIERS: _l("Fournisseurs"),
            cls.PURCHASE_ORDERS: _l("Bons de commande"),
        }


class RunStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"
    #: A scheduled run not started: the section was already queued or running.
    SKIPPED = "skipped"

    @property
    def active(self) -> bool:
        return self in (RunStatus.QUEUED, RunStatus.RUNNING)

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.QUEUED: _l("En attente"),
            cls.RUNNING: _l("En cours"),
            cls.SUCCEEDED: _l("Terminée"),
            cls.FAILED: _l("Échouée"),
            cls.CANCELLED: _l("Annulée"),
            cls.ABANDONED: _l("Abandonnée"),
            cls.SKIPPED: _l("Ignorée"),
        }


class LinkMethod(LabelledEnum):
    """How a portal record came to be linked to an Avantage record."""

    NUMBER = "number"
    CODE = "code"
    NORMALISED = "normalised"
    CREATED = "created"
    MANUAL = "manual"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.NUMBER: _l("numéro d'employé"),
            cls.CODE: _l("code"),
            cls.NORMALISED: _l("code (majuscules et espaces en trop ignorés)"),
            cls.CREATED: _l("créé par la synchronisation"),
            cls.MANUAL: _l("lien manuel"),
        }

    def label_in(self, section: SyncSection) -> str:
        """The label on ``section``'s rows: what a normalised match ignored depends on it."""
        if self is LinkMethod.NORMALISED and section is SyncSection.EMPLOYEES:
            return str(
                _l("numéro d'employé (zéros en tête, majuscules et espaces en trop ignorés)")
            )
        return str(self.label)


def remote_match_key(section: str, key: str) -> str:
    """An Avantage key as the portal record it matches has it (``match_key`` of the portal's
    models): an employee number without its leading zeros, an activity's code without its
    project, any other code normalised."""
    if section == SyncSection.EMPLOYEES:
        return normalise_employee_number(key)
    if section == SyncSection.ACTIVITIES:
        return normalise_code(key.split("|", 1)[-1])
    return normalise_code(key)


def remote_search_text(key: str, data: dict) -> str:
    """A record's key and listed values, folded, as a console search compares them."""
    values = [str(value) for value in data.values() if value not in (None, "")]
    return fold(" ".join([key, *values]))[:SEARCH_TEXT_LENGTH]


def _inserted_match_key(context) -> str:
    row = context.get_current_parameters()
    return remote_match_key(row["entity"], row["key"])


def _inserted_search_text(context) -> str:
    row = context.get_current_parameters()
    return remote_search_text(row["key"], row.get("data") or {})


class RemoteRecord(TenantMixin, db.Model):
    """An Avantage record as last listed (the cache the consoles and dropdowns read)."""

    __table_args__ = (
        sa.UniqueConstraint("integration_id", "entity", "key"),
        # A section's records; a console's lookup of the records of one match key, by key.
        sa.Index("ix_remote_record_match", "integration_id", "entity", "scope", "match_key", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integration.id", ondelete="CASCADE"))
    entity: Mapped[SyncSection] = mapped_column(enum_column(SyncSection))
    #: The record's key exactly as Avantage has it (``project|code`` for activities).
    key: Mapped[str] = mapped_column(sa.String(120))
    #: The Avantage project for per-project entities, else "".
    scope: Mapped[str] = mapped_column(sa.String(60), default="")
    data: Mapped[dict] = mapped_column(sa.JSON)
    #: The key as the portal record it matches has it (``remote_match_key``).
    match_key: Mapped[str] = mapped_column(sa.String(360), default=_inserted_match_key)
    #: What a console search reads (``remote_search_text``); whoever changes ``data`` sets
    #: it again (the sync engine).
    search_text: Mapped[str] = mapped_column(sa.Text, default=_inserted_search_text)
    remote_updated_at: Mapped[str | None] = mapped_column(sa.String(40))
    #: When the record was last stored (new, or changed in Avantage).
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a full sync no longer lists the record (Retiré d'Avantage).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordLink(TenantMixin, TimestampMixin, db.Model):
    """A portal record linked to an Avantage record, or a remote key kept unlinked on purpose.

    ``local_id`` is the id of the portal row (user, trade, project, activity, hour type or
    expense type, by ``entity``). A manual unlink is a row with ``local_id`` None and
    ``method`` manual: later syncs leave it alone.
    """

    __table_args__ = (
        sa.UniqueConstraint("integration_id", "entity", "remote_key"),
        sa.Index(
            "uq_record_link_local",
            "integration_id",
            "entity",
            "local_id",
            unique=True,
            sqlite_where=sa.text("local_id IS NOT NULL"),
            postgresql_where=sa.text("local_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integration.id", ondelete="CASCADE"))
    entity: Mapped[SyncSection] = mapped_column(enum_column(SyncSection))
    remote_key: Mapped[str] = mapped_column(sa.String(120))
    local_id: Mapped[int | None]
    method: Mapped[LinkMethod] = mapped_column(enum_column(LinkMethod))
    linked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class SyncRun(TenantMixin, LeaseMixin, db.Model):
    """One Synchroniser click: its progress while it runs, then its history row."""

    __table_args__ = (
        # One queued or running run per section (and project): a second click joins it.
        sa.Index(
            "uq_sync_run_active",
            "lock_key",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
        sa.Index("ix_sync_run_history", "integration_id", "section", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integration.id", ondelete="CASCADE"))
    section: Mapped[SyncSection] = mapped_column(enum_column(SyncSection))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    lock_key: Mapped[str] = mapped_column(sa.String(80))
    #: The Tout synchroniser click this run is a link of (its runs share it), else None.
    chain_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.QUEUED)
    full: Mapped[bool] = mapped_column(default=False)
    preview: Mapped[bool] = mapped_column(default=False)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    #: The schedule that started it (its history says « Planification », not a person). No
    #: foreign key: SQLite could only add one by rebuilding sync_run, and a schedule goes only
    #: with its integration or project, which take their runs with them.
    schedule_id: Mapped[int | None] = mapped_column(index=True)
    #: When the people to tell about this scheduled run's failure were notified.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Avantage's clock when the run started: the next incremental run lists ``since`` it.
    server_time: Mapped[str | None] = mapped_column(sa.String(40))
    since: Mapped[str | None] = mapped_column(sa.String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    linked: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    #: How many notes the run took (its ``SyncRunNote`` rows; past the store's bound, only
    #: counted): warnings, records removed from Avantage and, for a preview, what would change.
    notes_total: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The client's typed error, in both languages (never a secret).
    error: Mapped[dict | None] = mapped_column(sa.JSON)

    integration = relationship("Integration")
    project = relationship("Project")
    requested_by = relationship("User")

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return (end - self.started_at).total_seconds()


class SyncRunNote(TenantMixin, db.Model):
    """One line of a run's details: a warning, a record removed from Avantage or, in a
    preview, what would be created, linked or updated. Written in bulk, page by page."""

    __table_args__ = (sa.UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("sync_run.id", ondelete="CASCADE"))
    #: The note's rank in its run (0, 1, …): the page and the CSV list them in this order.
    position: Mapped[int]
    #: created | linked | updated | warning | removed
    action: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(120))
    label: Mapped[str] = mapped_column(sa.Text)
