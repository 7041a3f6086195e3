"""Gestion des licences: the company's employees, their licence and permissions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from portal.models import PLACEHOLDER_EMAIL_DOMAIN, Licence, TimesheetPermission, Trade, User, db
from portal.services import audit
from portal.services.text import clean, normalise_employee_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The shortest password a person may choose.
MIN_PASSWORD_LENGTH = 10


@dataclass
class UserData:
    """What a manager types in the employee form (already parsed, not yet validated)."""

    email: str
    first_name: str
    last_name: str
    employee_number: str
    licence: Licence
    is_superadmin: bool
    timesheet_permission: TimesheetPermission
    default_trade_id: int | None = None
    password: str = ""


def get_user(company_id: int, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.company_id != company_id:
        raise NotFoundError()
    return user


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
    term = clean(search)
    if term:
        like = f"%{term.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.first_name).like(like),
                sa.func.lower(User.last_name).like(like),
                sa.func.lower(User.email).like(like),
                sa.func.lower(User.employee_number).like(like),
            )
        )
    if licence is not None:
        query = query.where(User.licence == licence)
    if active is not None:
        query = query.where(User.active == active)
    if placeholder_only:
        query = query.where(User.email_is_placeholder.is_(True))
    query = query.order_by(User.last_name, User.first_name, User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def placeholder_email(company_id: int, employee_number: str) -> str:
    """A unique address on the reserved domain for an employee created without one."""
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_employee_number(employee_number)) or "x"
    return f"employe-{slug}.c{company_id}@{PLACEHOLDER_EMAIL_DOMAIN}"


def _validate(company_id: int, data: UserData, user: User | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    email = clean(data.email).lower()
    if not email:
        errors["email"] = _("Entrez l'adresse courriel de l'employé.")
    elif len(email) > 254 or not _EMAIL.match(email):
        errors["email"] = _("Cette adresse courriel n'est pas valide.")
    elif email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN) and (user is None or user.email != email):
        errors["email"] = _("Ce domaine est réservé aux adresses provisoires.")
    else:
        taken = db.session.scalar(db.select(User.id).where(sa.func.lower(User.email) == email))
        if taken is not None and (user is None or taken != user.id):
            errors["email"] = _("Cette adresse courriel est déjà utilisée.")
    for field, value, limit in (
        ("first_name", data.first_name, 80),
        ("last_name", data.last_name, 80),
    ):
        if not clean(value):
            errors[field] = _("Ce champ est obligatoire.")
        elif len(clean(value)) > limit:
            errors[field] = _("Maximum %(n)d caractères.", n=limit)
    number = clean(data.employee_number)
    if len(number) > 20:
        errors["employee_number"] = _("Maximum %(n)d caractères.", n=20)
    elif number:
        key = normalise_employee_number(number)
        others = db.session.execute(
            db.select(User.id, User.employee_number).where(
                User.company_id == company_id, User.employee_number.is_not(None)
            )
        )
        for other_id, other_number in others:
            if normalise_employee_number(other_number) == key and (
                user is None or other_id != user.id
            ):
                errors["employee_number"] = _("Ce numéro d'employé est déjà attribué.")
                break
    if data.is_superadmin and data.licence != Licence.MANAGEMENT:
        errors["is_superadmin"] = _("Un Superadmin doit avoir une licence de gestion.")
    if data.default_trade_id is not None:
        trade = db.session.get(Trade, data.default_trade_id)
        if trade is None or trade.company_id != company_id:
            errors["default_trade_id"] = _("Choisissez un métier de la liste.")
    if data.password and len(data.password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _("Au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH)
    if len(data.password) > 200:
        errors["password"] = _("Maximum %(n)d caractères.", n=200)
    return errors


def _check_grant(actor: User, data: UserData, user: User | None) -> None:
    """Only a Superadmin grants (or removes) management licences and the Superadmin flag."""
    changes_rights = (
        user is None and (data.licence == Licence.MANAGEMENT or data.is_superadmin)
    ) or (
        user is not None
        and (user.licence != data.licence or user.is_superadmin != data.is_superadmin)
    )
    if changes_rights and not actor.is_company_superadmin:
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


def create_user(company_id: int, actor: User, data: UserData) -> User:
    errors = _validate(company_id, data, None)
    if errors:
        raise ValidationError(errors)
    _check_grant(actor, data, None)
    user = User(company_id=company_id)
    _apply(user, data)
    db.session.add(user)
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "user.create",
        user,
        _("Employé %(name)s ajouté", name=user.full_name),
        licence=user.licence.value,
        superadmin=user.is_superadmin,
        timesheet_permission=user.timesheet_permission.value,
    )
    return user


def update_user(company_id: int, actor: User, user: User, data: UserData) -> User:
    errors = _validate(company_id, data, user)
    if errors:
        raise ValidationError(errors)
    _check_grant(actor, data, user)
    loses_superadmin = user.is_company_superadmin and not (
        data.is_superadmin and data.licence == Licence.MANAGEMENT
    )
    if loses_superadmin and _remaining_superadmins(company_id, user) == 0:
        raise ValidationError(
            {"is_superadmin": _("La compagnie doit garder au moins un Superadmin actif.")}
        )
    before = {
        "licence": user.licence.value,
        "superadmin": user.is_superadmin,
        "timesheet_permission": user.timesheet_permission.value,
    }
    _apply(user, data)
    after = {
        "licence": user.licence.value,
        "superadmin": user.is_superadmin,
        "timesheet_permission": user.timesheet_permission.value,
    }
    audit.record(
        company_id,
        actor,
        "user.update",
        user,
        _("Employé %(name)s modifié", name=user.full_name),
        before=before,
        after=after,
        password_changed=bool(data.password),
    )
    return user


def _apply(user: User, data: UserData) -> None:
    email = clean(data.email).lower()
    if email != user.email:
        user.email = email
        user.email_is_placeholder = email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN)
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
    if not active:
        if user.id == actor.id:
            raise ValidationError(message=_("Vous ne pouvez pas désactiver votre propre compte."))
        if user.is_company_superadmin and _remaining_superadmins(company_id, user) == 0:
            raise ValidationError(
                message=_("La compagnie doit garder au moins un Superadmin actif.")
            )
        if user.is_company_superadmin and not actor.is_company_superadmin:
            raise PermissionDeniedError(_("Seul un Superadmin peut désactiver un Superadmin."))
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
