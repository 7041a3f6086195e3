"""Who may change whom, and grant what, in Gestion des licences.

* Only a Superadmin grants or removes a management licence, the Superadmin role, or the
  timesheet Admin permission, and sets another person's password or e-mail.
* Nobody grants a timesheet permission above their own, and nobody changes their own.
* Another manager edits the employees without a licence (names, number, trade, Limitée or
  Étendue up to their own level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from portal.errors import PermissionDeniedError
from portal.i18n import gettext as _
from portal.models import Licence, TimesheetPermission, User

if TYPE_CHECKING:
    from portal.services.users import UserData


def can_edit(actor: User, user: User) -> bool:
    """A Superadmin changes anyone; another manager, themselves and employees without licence."""
    if actor.company_id != user.company_id or not actor.is_manager:
        return False
    if actor.is_company_superadmin or user.id == actor.id:
        return True
    return user.licence == Licence.NONE and not user.is_superadmin


def can_change_active(actor: User, user: User) -> bool:
    """Whether ``actor`` may deactivate or reactivate ``user`` (never their own account)."""
    return user.id != actor.id and can_edit(actor, user)


def check_can_edit(actor: User, user: User) -> None:
    if not can_edit(actor, user):
        raise PermissionDeniedError(
            _(
                "Seul un Superadmin peut modifier le compte d'un autre gestionnaire. "
                "Demandez-le à un Superadmin de votre compagnie."
            )
        )


def may_change_identity(actor: User, user: User | None) -> bool:
    """Whether ``actor`` may set ``user``'s e-mail and password (their own, or as Superadmin)."""
    return user is None or user.id == actor.id or actor.is_company_superadmin


def grantable_permissions(actor: User, user: User | None) -> list[TimesheetPermission]:
    """The timesheet levels ``actor`` may give ``user``: none above their own, Admin only
    from a Superadmin, and never to themselves (their current level is kept)."""
    if user is not None and user.id == actor.id:
        return [user.timesheet_permission]
    levels = [level for level in TimesheetPermission if actor.timesheet_permission.at_least(level)]
    if not actor.is_company_superadmin:
        levels = [level for level in levels if level != TimesheetPermission.ADMIN]
    return levels


def check_grant(actor: User, data: UserData, user: User | None) -> None:
    """Who may grant what (the README's "Who grants what")."""
    before = (
        (Licence.NONE, False, TimesheetPermission.LIMITED)
        if user is None
        else (user.licence, user.is_superadmin, user.timesheet_permission)
    )
    if user is not None and user.id == actor.id:
        if (data.licence, data.is_superadmin, data.timesheet_permission) != before:
            raise PermissionDeniedError(
                _(
                    "Vous ne pouvez pas changer vos propres permissions. "
                    "Demandez-le à un autre Superadmin de votre compagnie."
                )
            )
        return
    if (data.licence, data.is_superadmin) != before[:2] and not actor.is_company_superadmin:
        raise PermissionDeniedError(
            _("Seul un Superadmin peut attribuer une licence de gestion ou le rôle Superadmin.")
        )
    if data.timesheet_permission is not None and data.timesheet_permission != before[2]:
        admin_involved = TimesheetPermission.ADMIN in (data.timesheet_permission, before[2])
        if admin_involved and not actor.is_company_superadmin:
            raise PermissionDeniedError(
                _(
                    "Seul un Superadmin peut accorder ou retirer la permission Admin des feuilles "
                    "de temps."
                )
            )
        if data.timesheet_permission not in grantable_permissions(actor, user):
            raise PermissionDeniedError(
                _("Vous ne pouvez pas accorder une permission plus élevée que la vôtre.")
            )


def check_identity(actor: User, data: UserData, user: User | None, email: str) -> None:
    """Only a Superadmin sets another person's password or changes their e-mail."""
    if may_change_identity(actor, user):
        return
    if data.password or email != user.email:
        raise PermissionDeniedError(
            _(
                "Seul un Superadmin peut changer le courriel ou le mot de passe d'un autre "
                "employé. Pour un oubli de mot de passe, un Superadmin crée un lien de "
                "réinitialisation."
            )
        )


@dataclass(frozen=True)
class FormRights:
    """What the employee form lets ``actor`` change: the rest is shown read-only."""

    licence: bool
    permissions: list[TimesheetPermission]
    email: bool
    password: bool


def form_rights(actor: User, user: User | None) -> FormRights:
    """The fields of ``user``'s form (None: a new employee) that ``actor`` may change."""
    own = user is not None and user.id == actor.id
    return FormRights(
        licence=actor.is_company_superadmin and not own,
        permissions=grantable_permissions(actor, user),
        email=may_change_identity(actor, user),
        password=actor.is_company_superadmin or own,
    )
