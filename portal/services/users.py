"""Gestion des licences: the company's employees, their licence and permissions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from portal.models import PLACEHOLDER_EMAIL_DOMAIN, Licence, TimesheetPermission, Trade, User, db
from portal.models.base import get_in_company
from portal.services import audit
from portal.services.fields import required_text
from portal.services.text import clean, normalise_employee_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The shortest password a person may choose.
MIN_PASSWORD_LENGTH = 10
#: The longest one we hash: anything longer is a paste error (or an attack on the hasher).
MAX_PASSWORD_LENGTH = 200
#: Pages beyond this one are empty anyway; the bound keeps OFFSET within the database's range.
MAX_PAGE = 100_000
#: Longer searches match nothing useful; the cut keeps the LIKE pattern small.
MAX_SEARCH_LENGTH = 100


@dataclass
class UserData:
    """What a manager types in the employee form (already parsed, not yet validated).

    ``licence`` and ``timesheet_permission`` are None when the form sent an unknown value.
    An empty ``email`` keeps a provisional address, or asks for one on creation.
    """

    email: str
    first_name: str
    last_name: str
    employee_number: str
    licence: Licence | None
    is_superadmin: bool
    timesheet_permission: TimesheetPermission | None
    default_trade_id: int | None = None
    password: str = ""


def get_user(company_id: int, user_id: int) -> User:
    """The employee ``user_id`` of the company, or ``NotFoundError``."""
    user = get_in_company(User, company_id, user_id)
    if user is None:
        raise NotFoundError()
    return user


def get_editable_user(company_id: int, actor: User, user_id: int) -> User:
    """The employee ``user_id``, if ``actor`` may change their account (else 404 or 403)."""
    user = get_user(company_id, user_id)
    _check_can_edit(actor, user)
    return user


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


def _check_can_edit(actor: User, user: User) -> None:
    if not can_edit(actor, user):
        raise PermissionDeniedError(
            _(
                "Seul un Superadmin peut modifier le compte d'un autre gestionnaire. "
                "Demandez-le à un Superadmin de votre compagnie."
            )
        )


def list_users(
    company_id: int,
    *,
    search: str = "",
    licence: Licence | None = None,
    active: bool | None = True,
    placeholder_only: bool = False,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """Employees of the company, filtered and paginated, by last then first name."""
    query = db.select(User).where(User.company_id == company_id)
    term = clean(search)[:MAX_SEARCH_LENGTH].lower()
    if term:
        query = query.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(term, autoescape=True)
                    for column in (
                        User.first_name,
                        User.last_name,
                        User.email,
                        User.employee_number,
                    )
                )
            )
        )
    if licence is not None:
        query = query.where(User.licence == licence)
    if active is not None:
        query = query.where(User.active.is_(active))
    if placeholder_only:
        query = query.where(User.email_is_placeholder.is_(True))
    query = query.order_by(User.last_name, User.first_name, User.id)
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def is_placeholder_address(email: str) -> bool:
    """Whether ``email`` is on the domain reserved for provisional addresses."""
    domain = email.rpartition("@")[2].lower()
    return domain == PLACEHOLDER_EMAIL_DOMAIN or domain.endswith("." + PLACEHOLDER_EMAIL_DOMAIN)


def placeholder_email(
    company_id: int, employee_number: str, is_taken: Callable[[str], bool] | None = None
) -> str:
    """A free address on the reserved domain for an employee created without one.

    ``is_taken`` tells whether an address is used (default: ask the database); a bulk sync
    passes its own in-memory check.
    """
    is_taken = is_taken or (lambda email: _email_owner(email) is not None)
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_employee_number(employee_number)).strip("-")
    base = f"employe-{slug or 'x'}.c{company_id}"
    candidate, n = f"{base}@{PLACEHOLDER_EMAIL_DOMAIN}", 1
    while is_taken(candidate):  # "A.1" and "A-1" share a slug
        n += 1
        candidate = f"{base}-{n}@{PLACEHOLDER_EMAIL_DOMAIN}"
    return candidate


def _email_owner(email: str) -> int | None:
    return db.session.scalar(db.select(User.id).where(sa.func.lower(User.email) == email))


def _resolved_email(company_id: int, data: UserData, user: User | None) -> str:
    """The address to store: the one typed, else the provisional one kept or created."""
    email = clean(data.email).lower()
    if email:
        return email
    if user is not None:
        return user.email if user.email_is_placeholder else ""
    number = clean(data.employee_number)
    return placeholder_email(company_id, number) if 0 < len(number) <= 20 else ""


def _email_errors(data: UserData, user: User | None, email: str) -> str | None:
    typed = clean(data.email).lower()
    if not email:
        if user is None:
            return _(
                "Entrez l'adresse courriel de l'employé, ou au moins son numéro d'employé "
                "pour lui donner une adresse provisoire."
            )
        return _("Entrez l'adresse courriel de l'employé.")
    if len(email) > 254:
        return _("Maximum %(n)d caractères.", n=254)
    if not _EMAIL.match(email):
        return _("Cette adresse courriel n'est pas valide. Exemple : nom@compagnie.ca")
    if typed and is_placeholder_address(typed) and (user is None or user.email != typed):
        return _("Ce domaine est réservé aux adresses provisoires : entrez la vraie adresse.")
    owner = _email_owner(email)
    if owner is not None and (user is None or owner != user.id):
        return _("Cette adresse courriel est déjà utilisée.")
    return None


def _number_error(company_id: int, data: UserData, user: User | None) -> str | None:
    number = clean(data.employee_number)
    if len(number) > 20:
        return _("Maximum %(n)d caractères.", n=20)
    if not number:
        return None
    key = normalise_employee_number(number)
    others = db.session.execute(
        db.select(User.id, User.employee_number, User.first_name, User.last_name).where(
            User.company_id == company_id, User.employee_number.is_not(None)
        )
    )
    for other_id, other_number, first, last in others:
        if normalise_employee_number(other_number) == key and (user is None or other_id != user.id):
            return _(
                "Le numéro %(number)s est déjà celui de %(name)s.",
                number=other_number,
                name=f"{first} {last}",
            )
    return None


def _validate(company_id: int, data: UserData, user: User | None, email: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if message := _email_errors(data, user, email):
        errors["email"] = message
    for field, value in (("first_name", data.first_name), ("last_name", data.last_name)):
        required_text(errors, field, value, limit=80, missing=_("Ce champ est obligatoire."))
    if message := _number_error(company_id, data, user):
        errors["employee_number"] = message
    if data.licence is None:
        errors["licence"] = _("Choisissez une licence de la liste.")
    elif data.is_superadmin and data.licence != Licence.MANAGEMENT:
        errors["is_superadmin"] = _("Un Superadmin doit avoir une licence de gestion.")
    if data.timesheet_permission is None:
        errors["timesheet_permission"] = _("Choisissez une permission de la liste.")
    if data.default_trade_id is not None:
        trade = db.session.get(Trade, data.default_trade_id)
        if trade is None or trade.company_id != company_id:
            errors["default_trade_id"] = _("Choisissez un métier de la liste.")
        elif not trade.active and (user is None or user.default_trade_id != trade.id):
            errors["default_trade_id"] = _("Ce métier est désactivé : choisissez-en un autre.")
    if len(data.password) > MAX_PASSWORD_LENGTH:
        errors["password"] = _("Maximum %(n)d caractères.", n=MAX_PASSWORD_LENGTH)
    elif data.password and len(data.password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _("Au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH)
    elif data.password and email and is_placeholder_address(email):
        errors["password"] = _(
            "Entrez d'abord la vraie adresse courriel de l'employé : "
            "c'est avec elle qu'il se connectera."
        )
    if user is not None and "is_superadmin" not in errors and _loses_last_superadmin(user, data):
        errors["is_superadmin"] = _(
            "La compagnie doit garder au moins un Superadmin actif : "
            "nommez-en un autre avant de retirer ce rôle."
        )
    return errors


def _check_grant(actor: User, data: UserData, user: User | None) -> None:
    """Only a Superadmin grants (or removes) management licences and the Superadmin flag."""
    before = (Licence.NONE, False) if user is None else (user.licence, user.is_superadmin)
    if (data.licence, data.is_superadmin) != before and not actor.is_company_superadmin:
        raise PermissionDeniedError(
            _("Seul un Superadmin peut attribuer une licence de gestion ou le rôle Superadmin.")
        )


def _remaining_superadmins(company_id: int, excluding: User) -> int:
    return db.session.scalar(
        db.select(sa.func.count(User.id)).where(
            User.company_id == company_id,
            User.id != excluding.id,
            User.active.is_(True),
            User.is_superadmin.is_(True),
            User.licence == Licence.MANAGEMENT,
        )
    )


def _loses_last_superadmin(user: User, data: UserData) -> bool:
    keeps = data.is_superadmin and data.licence == Licence.MANAGEMENT
    return (
        user.is_company_superadmin
        and not keeps
        and _remaining_superadmins(user.company_id, user) == 0
    )


def _rights(user: User) -> dict:
    return {
        "licence": user.licence.value,
        "superadmin": user.is_superadmin,
        "timesheet_permission": user.timesheet_permission.value,
    }


def create_user(company_id: int, actor: User, data: UserData) -> User:
    """Add an employee; without a password they cannot sign in until one is set."""
    _check_grant(actor, data, None)
    email = _resolved_email(company_id, data, None)
    errors = _validate(company_id, data, None, email)
    if errors:
        raise ValidationError(errors)
    user = User(company_id=company_id)
    _apply(user, data, email)
    db.session.add(user)
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "user.create",
        user,
        _("Employé %(name)s ajouté", name=user.full_name),
        **_rights(user),
        placeholder_email=user.email_is_placeholder,
        password_set=bool(data.password),
    )
    return user


def update_user(company_id: int, actor: User, user: User, data: UserData) -> User:
    """Change an employee; a new password signs them out everywhere."""
    if user.company_id != company_id:
        raise NotFoundError()
    _check_can_edit(actor, user)
    _check_grant(actor, data, user)
    email = _resolved_email(company_id, data, user)
    errors = _validate(company_id, data, user, email)
    if errors:
        raise ValidationError(errors)
    before, email_before = _rights(user), user.email
    _apply(user, data, email)
    audit.record(
        company_id,
        actor,
        "user.update",
        user,
        _("Employé %(name)s modifié", name=user.full_name),
        before=before,
        after=_rights(user),
        email_changed=user.email != email_before,
        password_changed=bool(data.password),
    )
    return user


def _apply(user: User, data: UserData, email: str) -> None:
    if email != user.email:
        user.email = email
        user.email_is_placeholder = is_placeholder_address(email)
    user.first_name = clean(data.first_name)
    user.last_name = clean(data.last_name)
    user.employee_number = clean(data.employee_number) or None
    user.licence = data.licence
    user.is_superadmin = data.is_superadmin
    user.timesheet_permission = data.timesheet_permission
    user.default_trade_id = data.default_trade_id
    if data.password:
        user.set_password(data.password)


def set_active(company_id: int, actor: User, user: User, active: bool) -> User:
    """Deactivate (signing the person out everywhere) or reactivate an employee."""
    if user.company_id != company_id:
        raise NotFoundError()
    if user.id == actor.id:
        raise ValidationError(message=_("Vous ne pouvez pas désactiver votre propre compte."))
    if not can_edit(actor, user):
        raise PermissionDeniedError(
            _("Seul un Superadmin peut désactiver ou réactiver un gestionnaire.")
        )
    if user.active == active:
        return user  # a second click: nothing to change, nothing to record
    if not active:
        if user.is_company_superadmin and _remaining_superadmins(company_id, user) == 0:
            raise ValidationError(
                message=_("La compagnie doit garder au moins un Superadmin actif.")
            )
        user.rotate_login_token()
    user.active = active
    audit.record(
        company_id,
        actor,
        "user.activate" if active else "user.deactivate",
        user,
        (
            _("Employé %(name)s réactivé", name=user.full_name)
            if active
            else _("Employé %(name)s désactivé", name=user.full_name)
        ),
    )
    return user
