"""Domain errors with a user-facing, translatable message. Routes turn them into responses."""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l


class PortalError(Exception):
    """An error the user can act on; ``message`` says what happened and what to do."""

    default_message = _l("L'opération n'a pas pu être effectuée.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class NotFoundError(PortalError):
    default_message = _l("Cet élément n'existe pas ou n'appartient pas à votre compagnie.")


class PermissionDeniedError(PortalError):
    default_message = _l("Vous n'avez pas la permission de faire cette opération.")


class ConflictError(PortalError):
    default_message = _l("Cet élément a été modifié entre-temps. Rechargez la page et réessayez.")


class ValidationError(PortalError):
    """Bad input; ``field_errors`` maps a form field to its message."""

    default_message = _l("Certains champs sont à corriger.")

    def __init__(self, field_errors: dict[str, str] | None = None, message: str | None = None):
        self.field_errors = field_errors or {}
        super().__init__(message)


class TimesheetLockedError(PortalError):
    """The sheet cannot be changed in its current state (frozen, submitted, being sent)."""

    default_message = _l(
        "Cette feuille de temps est gelée : elle a été envoyée à la paie et ne peut plus être "
        "modifiée. Pour la corriger, un Admin des feuilles de temps la dégèle avec un motif."
    )
