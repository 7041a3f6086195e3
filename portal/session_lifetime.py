"""How long a signed-in session lasts: an idle timeout and an absolute lifetime.

The times live in the signed session cookie, so a copied cookie cannot stretch them; the
server checks them on every request. Signing out rotates the user's login token, so a cookie
copied before ``/deconnexion`` no longer opens anything.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import login_user

from portal.models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


#: How stale the recorded activity may get before a request records it again: to the minute,
#: a session that is polled twice a second is not signed and sent back on every poll.
TOUCH_SECONDS = 60


def configure(app: Flask) -> None:
    """The browser forgets the cookie after the idle timeout too (not Flask's 31 days), and
    gets it again only when it changed (``touch``), not on every response."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session.permanent = True
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def expired() -> bool:
    """Whether this signed-in session has been idle, or open, for too long."""
    config, now = current_app.config, time.time()
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    return (
        now - seen_at > config["SESSION_IDLE_SECONDS"]
        or now - signed_in_at > config["SESSION_MAX_SECONDS"]
    )


def touch() -> None:
    """Record this request as the session's latest activity, to within TOUCH_SECONDS."""
    now, seen_at = int(time.time()), session.get(SEEN_AT)
    if not isinstance(seen_at, int) or now - seen_at >= TOUCH_SECONDS:
        session[SEEN_AT] = now
