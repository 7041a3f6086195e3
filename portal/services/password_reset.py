"""Password-reset links: one-time, expiring, and never needing anyone to know a password.

A link carries a signed token naming the user, its expiry, and a fingerprint of the user's
current password hash and login token. Setting a password changes both, so a link works
once; signing out or being deactivated also voids it. Links go out by e-mail when SMTP is
configured, or a Superadmin creates one and hands it over.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.errors import PermissionDeniedError, PortalError, ValidationError
from portal.i18n import gettext as _
from portal.models import User, db
from portal.services import audit, login_throttle, user_emails
from portal.services.text import clean
from portal.services.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_SALT = "password-reset"


class InvalidResetLinkError(PortalError):
    """The link was altered, has expired, or was already used."""


def email_available() -> bool:
    """Whether the portal can e-mail links: an SMTP server and its own public address."""
    config = current_app.config
    return bool(config.get("MAIL_SERVER") and config.get("PORTAL_BASE_URL"))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.login_token}:{user.password_hash or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def make_token(user: User, lifetime_seconds: int) -> str:
    """A token for ``user``'s reset link, valid ``lifetime_seconds`` and until used."""
    expires = int(time.time()) + lifetime_seconds
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "x": expires})


def user_for_token(token: str) -> User:
    """The active user the token is for, or ``InvalidResetLinkError``."""
    invalid = InvalidResetLinkError(
        _(
            "Ce lien de réinitialisation n'est plus valide : il a expiré ou a déjà servi. "
            "Demandez-en un nouveau."
        )
    )
    try:
        payload = _serializer().loads(token[:500])
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise invalid
    user = db.session.get(User, payload["u"])
    if (
        user is None
        or not user.active
        or not isinstance(payload.get("x"), int)
        or payload["x"] < time.time()
        or not hmac.compare_digest(str(payload.get("f")), _fingerprint(user))
    ):
        raise invalid
    return user


def reset_password(token: str, password: str, confirmation: str) -> User:
    """Set the password chosen through a link; the link (and every session) then ends."""
    user = user_for_token(token)
    errors: dict[str, str] = {}
    if len(password) > MAX_PASSWORD_LENGTH:
        errors["password"] = _("Maximum %(n)d caractères.", n=MAX_PASSWORD_LENGTH)
    elif len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _("Au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH)
    elif password != confirmation:
        errors["confirmation"] = _("Les deux mots de passe ne sont pas pareils : retapez-les.")
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    audit.record(
        user.company_id,
        user,
        "user.password_reset",
        user,
        _("Mot de passe choisi par %(name)s avec un lien", name=user.full_name),
    )
    return user


def handover_token(company_id: int, actor: User, user: User) -> str:
    """A link a Superadmin gives a colleague who must choose a (new) password."""
    if not actor.is_company_superadmin or user.company_id != company_id:
        raise PermissionDeniedError(
            _("Seul un Superadmin peut créer un lien de réinitialisation du mot de passe.")
        )
    _check_reachable(user)
    audit.record(
        company_id,
        actor,
        "user.password_link",
        user,
        _("Lien de réinitialisation créé pour %(name)s", name=user.full_name),
    )
    return make_token(user, current_app.config["PASSWORD_RESET_LINK_SECONDS"])


def check_can_email(company_id: int, actor: User, user: User) -> None:
    """Refuse a Superadmin's "send the link by e-mail" the portal cannot carry out."""
    if not actor.is_company_superadmin or user.company_id != company_id:
        raise PermissionDeniedError(
            _("Seul un Superadmin peut créer un lien de réinitialisation du mot de passe.")
        )
    _check_reachable(user)
    if not email_available():
        raise PortalError(
            _("L'envoi de courriels n'est pas configuré : remettez le lien vous-même.")
        )
    audit.record(
        company_id,
        actor,
        "user.password_email",
        user,
        _("Lien de réinitialisation envoyé par courriel à %(name)s", name=user.full_name),
    )


def _check_reachable(user: User) -> None:
    if not user.active:
        raise PortalError(_("Ce compte est désactivé : réactivez-le d'abord."))
    if user_emails.is_placeholder_address(user.email):
        raise PortalError(
            _(
                "Cet employé a une adresse provisoire : entrez d'abord sa vraie adresse "
                "courriel, c'est avec elle qu'il se connectera."
            )
        )


def user_to_email(email: str, remote_addr: str) -> int | None:
    """The id of the account to e-mail a link to, if any; the caller answers the same either way.

    Each request counts like a failed sign-in (it probes an account too).
    """
    email = clean(email).lower()[:254]
    login_throttle.check(email, remote_addr)
    login_throttle.record_failure(email, remote_addr)
    user = db.session.scalar(db.select(User).where(sa.func.lower(User.email) == email))
    if user is None or not user.active or user_emails.is_placeholder_address(user.email):
        return None
    return user.id
