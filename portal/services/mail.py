"""E-mail through Flask-Mailman (SMTP settings ``MAIL_*``), in the recipient's language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage

from portal.extensions import mail
from portal.i18n import gettext as _
from portal.models import Notification, User


def _smtp():
    """An SMTP connection from the current settings (read at each send, not at start-up)."""
    config = current_app.config
    return mail.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
        use_tls=config["MAIL_USE_TLS"],
        use_ssl=config["MAIL_USE_SSL"],
        timeout=config["MAIL_TIMEOUT"],
    )


def _sender() -> str:
    config = current_app.config
    host = urlsplit(config["PORTAL_BASE_URL"]).hostname or "localhost"
    return config["MAIL_DEFAULT_SENDER"] or f"Portail chantier <no-reply@{host}>"


def send_password_reset(user: User, link: str, lifetime_seconds: int) -> None:
    """E-mail ``user`` the link to choose a new password."""
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = _("Choisir votre mot de passe du portail")
        body = _(
            "Bonjour %(name)s,\n\n"
            "Pour choisir un nouveau mot de passe du portail, ouvrez ce lien :\n\n%(link)s\n\n"
            "Il sert une seule fois et expire dans %(minutes)d minutes. Si vous n'avez rien "
            "demandé, ignorez ce courriel : votre mot de passe actuel reste valide.\n",
            name=user.full_name,
            link=link,
            minutes=lifetime_seconds // 60,
        )
    EmailMessage(subject, body, _sender(), [user.email], connection=_smtp()).send()


def send_notification(user: User, notification: Notification, link: str) -> None:
    """E-mail ``user`` one notification, in their language, with the page that fixes it."""
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = _("Portail chantier : %(what)s", what=_notification_subject(notification.kind))
        body = _(
            "Bonjour %(name)s,\n\n%(message)s\n\n%(link)s\n\n"
            "Vous recevez ce courriel parce que vous êtes notifié de ces événements dans le "
            "portail; vous pouvez ne plus les recevoir par courriel dans la page Notifications.\n",
            name=user.full_name,
            message=notification.message(locale[:2]),
            link=link,
        )
    EmailMessage(subject, body, _sender(), [user.email], connection=_smtp()).send()


def _notification_subject(kind: str) -> str:
    subjects = {
        "schedule_failed": _("une synchronisation planifiée a échoué"),
        "schedule_paused": _("une planification est en pause"),
        "batch_rejected": _("Avantage a refusé un lot de paie"),
    }
    return subjects.get(kind, _("notification"))
