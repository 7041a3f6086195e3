"""Signing in, with a limit on failed attempts per e-mail and per address."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import PortalError
from portal.models import LoginAttempt, User, db
from portal.models.base import utcnow
from portal.services.text import clean


class TooManyAttemptsError(PortalError):
    pass


def authenticate(
    email: str, password: str, remote_addr: str, *, max_failures: int, window_seconds: int
) -> User | None:
    """The active user with these credentials, or None; every attempt is recorded.

    Raises ``TooManyAttemptsError`` once the e-mail or the address has failed too often.
    """
    email = clean(email).lower()[:254]
    remote_addr = (remote_addr or "?")[:45]
    since = utcnow() - timedelta(seconds=window_seconds)
    failures = db.session.scalar(
        db.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.at >= since,
            LoginAttempt.succeeded.is_(False),
            sa.or_(LoginAttempt.email == email, LoginAttempt.remote_addr == remote_addr),
        )
    )
    if failures >= max_failures:
        raise TooManyAttemptsError(
            _(
                "Trop de tentatives de connexion. Attendez %(minutes)d minutes avant de réessayer, "
                "ou demandez à un gestionnaire de vérifier votre compte.",
                minutes=max(1, window_seconds // 60),
            )
        )
    user = db.session.scalar(db.select(User).where(sa.func.lower(User.email) == email))
    ok = user is not None and user.can_sign_in and user.check_password(password or "")
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, succeeded=ok))
    if not ok:
        return None
    user.last_login_at = utcnow()
    return user
