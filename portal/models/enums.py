"""States and kinds, as ``str`` enums with a translatable label for the UI."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from wtforms import SelectChoice

from portal.i18n import lazy_gettext as _l


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable label (see ``_labels``)."""

    @property
    def label(self):
        """The translatable (lazy) label; rendered in the current locale."""
        return self._labels()[self]

    @classmethod
    def _labels(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """The members as options of a form select."""
        return [SelectChoice(member.value, member.label) for member in cls]


class Licence(LabelledEnum):
    NONE = "none"
    MANAGEMENT = "management"

    @classmethod
    def _labels(cls) -> dict:
        return {cls.NONE: _l("Aucune"), cls.MANAGEMENT: _l("Licence de gestion")}


class TimesheetPermission(LabelledEnum):
    LIMITED = "limited"
    EXTENDED = "extended"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(TimesheetPermission).index(self)

    def at_least(self, other: TimesheetPermission) -> bool:
        return self.rank >= other.rank

    @classmethod
    def _labels(cls) -> dict:
        return {cls.LIMITED: _l("Limitée"), cls.EXTENDED: _l("Étendue"), cls.ADMIN: _l("Admin")}


class ExpenseKind(LabelledEnum):
    """What an expense or bonus line carries; the same three kinds as Avantage's earnings."""

    AMOUNT = "amount"
    QUANTITY = "quantity"
    HOURS = "hours"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.AMOUNT: _l("Montant"),
            cls.QUANTITY: _l("Quantité"),
            cls.HOURS: _l("Heures à prime"),
        }


class ProjectStatus(LabelledEnum):
    ACTIVE = "active"
    CLOSED = "closed"

    @classmethod
    def _labels(cls) -> dict:
        return {cls.ACTIVE: _l("Actif"), cls.CLOSED: _l("Fermé")}


class TimesheetStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    REJECTED = "rejected"
    FROZEN = "frozen"

    @classmethod
    def _labels(cls) -> dict:
        return {
            cls.DRAFT: _l("Brouillon"),
            cls.SUBMITTED: _l("Soumise"),
            cls.VALIDATED: _l("Validée"),
            cls.REJECTED: _l("Rejetée"),
            cls.FROZEN: _l("Gelée"),
        }


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum as its value in a VARCHAR (no native type: migrations stay simple)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class PurchaseOrderStatus(LabelledEnum):
    """An Avantage purchase order's status (only ``open`` commits an amount)."""

    OPEN = "open"
    RECEIVED = "received"
    CLOSED = "closed"

    @classmethod
    def _labels(cls) -> dict:
        return {cls.OPEN: _l("Ouvert"), cls.RECEIVED: _l("Reçu"), cls.CLOSED: _l("Fermé")}
