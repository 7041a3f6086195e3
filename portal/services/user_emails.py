"""Employees' e-mail addresses: the one typed, or a provisional one on a reserved domain."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import PLACEHOLDER_EMAIL_DOMAIN, User, db
from portal.services.text import clean, normalise_employee_number

if TYPE_CHECKING:
    from portal.services.users import UserData

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    is_taken = is_taken or (lambda email: email_owner(email) is not None)
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_employee_number(employee_number)).strip("-")
    base = f"employe-{slug or 'x'}.c{company_id}"
    candidate, n = f"{base}@{PLACEHOLDER_EMAIL_DOMAIN}", 1
    while is_taken(candidate):  # "A.1" and "A-1" share a slug
        n += 1
        candidate = f"{base}-{n}@{PLACEHOLDER_EMAIL_DOMAIN}"
    return candidate


def email_owner(email: str) -> int | None:
    return db.session.scalar(db.select(User.id).where(sa.func.lower(User.email) == email))


def resolved_email(company_id: int, data: UserData, user: User | None) -> str:
    """The address to store: the one typed, else the provisional one kept or created."""
    email = clean(data.email).lower()
    if email:
        return email
    if user is not None:
        return user.email if user.email_is_placeholder else ""
    number = clean(data.employee_number)
    return placeholder_email(company_id, number) if 0 < len(number) <= 20 else ""


def email_error(data: UserData, user: User | None, email: str) -> str | None:
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
    owner = email_owner(email)
    if owner is not None and (user is None or owner != user.id):
        return _("Cette adresse courriel est déjà utilisée.")
    return None
