"""Onboarding a customer: a company, its first Superadmin and its regular hour type."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.errors import ValidationError
from portal.i18n import gettext as _
from portal.models import Company, HourType, Licence, TimesheetPermission, User, db
from portal.services import audit
from portal.services.text import clean
from portal.services.users import MIN_PASSWORD_LENGTH

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_company(
    name: str, admin_email: str, first_name: str, last_name: str, password: str
) -> tuple[Company, User]:
    """Create the company and its Superadmin; the caller commits."""
    name, email = clean(name), clean(admin_email).lower()
    errors = {}
    if not name or len(name) > 120:
        errors["name"] = _("Le nom de la compagnie est obligatoire (120 caractères au plus).")
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = _("Cette adresse courriel n'est pas valide.")
    elif db.session.scalar(db.select(User.id).where(sa.func.lower(User.email) == email)):
        errors["email"] = _("Cette adresse courriel est déjà utilisée.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = _(
            "Le mot de passe doit avoir au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH
        )
    if errors:
        raise ValidationError(errors)
    company = Company(name=name)
    admin = User(
        company=company,
        email=email,
        first_name=clean(first_name)[:80] or "Admin",
        last_name=clean(last_name)[:80],
        licence=Licence.MANAGEMENT,
        is_superadmin=True,
        timesheet_permission=TimesheetPermission.ADMIN,
    )
    admin.set_password(password)
    regular = HourType(company=company, code="REG", name="Régulier", is_regular=True)
    db.session.add_all([company, admin, regular])
    db.session.flush()
    audit.record(
        company.id, None, "company.create", company, f"Compagnie {name} créée", admin=email
    )
    return company, admin
