"""Gestion des licences: the company's employees, their licence and permissions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from portal.i18n import gettext as _
from portal.models import Licence, TimesheetPermission, Trade, User, db
from portal.models.base import get_in_company
from portal.services import audit, user_emails, user_rights
from portal.services.fields import required_text, with_match_key
from portal.services.folding import fold, folded
from portal.services.text import clean, normalise_employee_number

#: The shortest password a person may choose.
MIN_PASSWORD_LENGTH = 10
#: The longest one we hash: anything longer is a paste error (or an attack on the hasher).
MAX_PASSWORD_LENGTH = 200
#: Pages beyond this one are empty anyway; the bound keeps OFFSET within the database's range.
MAX_PAGE = 100_000
#: Longer searches match nothing useful; the cut keeps the LIKE pattern small.
MAX_SEARCH_LENGTH = 100
#: A search matches its first words only (each one adds a condition to the query).
MAX_SEARCH_WORDS = 5
#: What separates the words of a search.
_SEPARATORS = re.compile(r"[\s,()]+")


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
    user_rights.check_can_edit(actor, user)
    return user


def matching_words(words: list[str]) -> sa.ColumnElement:
    """Every word in the first or last name, the e-mail or the number, in any order and
    accents aside: « Josée Tremblay », « tremblay josee » and « Tremblay » all find her."""
    columns = (
        folded(User.first_name),
        folded(User.last_name),
        sa.func.lower(User.email),
        sa.func.lower(User.employee_number),
    )
    return sa.and_(
        *(sa.or_(*(column.contains(word, autoescape=True) for column in columns)) for word in words)
    )


def search_words(search: str) -> list[str]:
    """The words of a search as :func:`matching_words` compares them (bounded, folded); a
    picker's own label, « Tremblay, Josée (0042) », finds her again."""
    words = _SEPARATORS.split(fold(clean(search)[:MAX_SEARCH_LENGTH]))
    return [word for word in words if word][:MAX_SEARCH_WORDS]


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
    """Employees of the company, filtered and paginated, by last then first name (collated)."""
    query = db.select(User).where(User.company_id == company_id)
    words = search_words(search)
    if words:
        query = query.where(matching_words(words))
    if licence is not None:
        query = query.where(User.licence == licence)
    if active is not None:
        query = query.where(User.active.is_(active))
    if placeholder_only:
        query = query.where(User.email_is_placeholder.is_(True))
    query = query.order_by(User.name_sort, User.id)
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _number_error(company_id: int, data: UserData, user: User | None) -> str | None:
    number = clean(data.employee_number)
    if len(number) > 20:
        return _("Maximum %(n)d caractères.", n=20)
    if not number:
        return None
    other = with_match_key(User, company_id, normalise_employee_number(number), excluding=user)
    if other is None:
        return None
    return _(
        "Le numéro %(number)s est déjà celui de %(name)s.",
        number=other.employee_number,
        name=other.full_name,
    )


def _validate(company_id: int, data: UserData, user: User | None, email: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if message := user_emails.email_error(data, user, email):
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
    elif data.password and email and user_emails.is_placeholder_address(email):
        errors["password"] = _(
            "Entrez d'abord la vraie adresse courriel de l'employé : "
            "c'est avec elle qu'il se connectera."
        )
    return errors


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


def _rights(user: User) -> dict:
    return {
        "licence": user.licence.value,
        "superadmin": user.is_superadmin,
        "timesheet_permission": user.timesheet_permission.value,
    }


def create_user(company_id: int, actor: User, data: UserData) -> User:
    """Add an employee; without a password they cannot sign in until one is set."""
    user_rights.check_grant(actor, data, None)
    if data.password and not actor.is_company_superadmin:
        raise PermissionDeniedError(
            _(
                "Seul un Superadmin peut donner un mot de passe à un employé. Ajoutez l'employé "
                "sans mot de passe : un Superadmin lui créera un lien pour choisir le sien."
            )
        )
    email = user_emails.resolved_email(company_id, data, None)
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
    user_rights.check_can_edit(actor, user)
    user_rights.check_grant(actor, data, user)
    email = user_emails.resolved_email(company_id, data, user)
    user_rights.check_identity(actor, data, user, email)
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
        user.email_is_placeholder = user_emails.is_placeholder_address(email)
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
    if not user_rights.can_edit(actor, user):
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
