"""E-mail jobs: the password-reset link, made by the job so that no token sits in Redis."""

from __future__ import annotations

import logging

from flask import url_for
from redis.exceptions import RedisError
from rq import Retry

from portal.extensions import db, queue
from portal.i18n import gettext as _
from portal.jobs.queueing import QueueUnavailableError, job_app
from portal.models import User
from portal.services import mail, password_reset

log = logging.getLogger(__name__)


def enqueue_mail(function: str, row_id: int, description: str) -> None:
    """Queue an e-mail job (ids only); an SMTP failure is retried 10 s, 1 min, 5 min later."""
    queue.queue.enqueue(
        function,
        row_id,
        retry=Retry(max=3, interval=[10, 60, 300]),
        job_timeout=120,
        result_ttl=0,
        description=description,
    )


def start_password_email(user_id: int) -> None:
    """Queue the e-mail of a reset link; the job makes the token, so none sits in Redis."""
    try:
        enqueue_mail("portal.jobs.send_password_email", user_id, f"password e-mail user {user_id}")
    except RedisError:
        log.exception("cannot enqueue the password e-mail of user %s", user_id)
        raise QueueUnavailableError(
            _("Le courriel n'a pas pu être envoyé pour l'instant. Réessayez dans un moment.")
        ) from None


def send_password_email(user_id: int) -> None:
    """E-mail ``user_id`` a one-time link to choose a password (SMTP failures are retried)."""
    app = job_app()
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            return
        lifetime = app.config["PASSWORD_RESET_EMAIL_SECONDS"]
        token = password_reset.make_token(user, lifetime)
        with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
            link = url_for("auth.reset_password", token=token, _external=True)
        mail.send_password_reset(user, link, lifetime)
