"""Signing in: the same password-hash work whether the e-mail exists or not, and limits on
failed attempts (``login_throttle``)."""

from __future__ import annotations

import functools
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models import LoginAttempt, User, db
from portal.models.base import utcnow
from portal.services import login_throttle
from portal.services.text import clean

TooManyAttemptsError = login_throttle.TooManyAttemptsError


@functools.cache
def _decoy_hash() -> str:
    """A hash made like real ones, checked when there is no real one to check."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str, remote_addr: str) -> User | None:
    """The active user with these credentials, or None; every attempt is recorded.

    Raises ``TooManyAttemptsError`` while this e-mail from this address, or this address,
    has failed too often. An unknown e-mail costs the same hash check as a wrong password,
    so the answer's timing does not tell which e-mails exist.
    """
    email = clean(email).lower()[:254]
    remote_addr = (remote_addr or "?")[:45]
    login_throttle.check(email, remote_addr)
    user = db.session.scalar(db.select(User).where(sa.func.lower(User.email) == email))
    stored = user.password_hash if user is not None and user.password_hash else _decoy_hash()
    matches = check_password_hash(stored, password or "")
    ok = matches and user is not None and user.can_sign_in
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, succeeded=ok))
    if not ok:
        login_throttle.record_failure(email, remote_addr)
        return None
    user.last_login_at = utcnow()
    return user
