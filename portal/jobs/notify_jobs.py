"""Notifications: the minute job that finds what to tell (``services/notifications.sweep``),
and the e-mail of each notification, sent from its own job (retried when SMTP fails)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from redis.exceptions import RedisError

from portal.extensions import db
from portal.jobs.mail_jobs import enqueue_mail
from portal.jobs.queueing import job_app
from portal.models import Notification, User
from portal.models.base import utcnow
from portal.services import mail, notifications

log = logging.getLogger(__name__)


def run_notifications() -> int:
    """RQ job (every minute, from scheduler.py): notify what failed; queue the e-mails."""
    app = job_app()
    with app.app_context():
        made = notifications.sweep(utcnow())
        for notification_id in notifications.to_email(made, bool(app.config["MAIL_SERVER"])):
            try:
                enqueue_mail(
                    "portal.jobs.notify_jobs.send_notification_email",
                    notification_id,
                    f"notification e-mail {notification_id}",
                )
            except RedisError:
                log.exception("cannot enqueue the e-mail of notification %s", notification_id)
        return len(made)


def send_notification_email(notification_id: int) -> None:
    """E-mail one notification once (a retry after a sent e-mail sends nothing)."""
    app = job_app()
    with app.app_context():
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.emailed_at is not None:
            return
        user = db.session.get(User, notification.user_id)
        if user is None or not user.active or not user.notify_by_email:
            return
        link = app.config["PORTAL_BASE_URL"].rstrip("/") + notification.link
        mail.send_notification(user, notification, link)
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification.id)
            .values(emailed_at=utcnow())
        )
        db.session.commit()
