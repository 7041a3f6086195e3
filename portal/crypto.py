"""Secrets at rest (access point passwords, encryption keys): Fernet tokens under MultiFernet.

The keys come from ``ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first); without
it, one key is derived from ``SECRET_KEY``. ``portal rotate-keys`` re-encrypts every stored
secret with the newest key, after which older keys can be removed from the list.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretUnreadableError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from the app's SECRET_KEY (used when ENCRYPTION_KEYS is unset)."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal access point secrets v1"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(material)


def _keys() -> list[bytes]:
    configured = [key.strip() for key in current_app.config.get("ENCRYPTION_KEYS", "").split(",")]
    keys = [key.encode() for key in configured if key]
    return keys or [derived_key(current_app.config["SECRET_KEY"])]


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadableError(
            "a stored secret cannot be decrypted: was ENCRYPTION_KEYS or SECRET_KEY changed "
            "without keeping the old key?"
        ) from None


def rotate(token: str) -> str:
    """The same secret encrypted with the newest key."""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadableError("a stored secret cannot be decrypted with any key") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
