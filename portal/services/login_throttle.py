"""Limits on failed sign-ins, kept in the portal's Redis by the `limits` library.

Failures are counted per (e-mail, address) pair and per address, each with tiers that make
the wait grow (5 a minute, then 10 in 15 minutes, …): guessing one person's password from one
place slows down quickly, yet nobody can lock a colleague out from another address. Only
failures count. When Redis cannot be reached, each process counts in memory meanwhile.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from portal.errors import PortalError
from portal.extensions import queue
from portal.i18n import ngettext

log = logging.getLogger(__name__)

#: Prefix of the counters in Redis.
KEY_PREFIX = "portal-login"
#: Counts failures in this process while Redis is unreachable.
FALLBACK = MovingWindowRateLimiter(MemoryStorage())


class TooManyAttemptsError(PortalError):
    """Too many failed sign-ins for this e-mail from this address, or from this address."""


def _limiter() -> MovingWindowRateLimiter:
    storage = RedisStorage(
        "redis://",
        connection_pool=queue.connection.connection_pool,
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
    )
    return MovingWindowRateLimiter(storage)


def _scopes(email: str, address: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    config = current_app.config
    return [
        *(
            (item, ("pair", email, address))
            for item in parse_many(config["LOGIN_LIMITS_PER_ACCOUNT"])
        ),
        *((item, ("address", address)) for item in parse_many(config["LOGIN_LIMITS_PER_ADDRESS"])),
    ]


def _each(action):
    """Run ``action(limiter)`` on Redis, or on the in-memory fallback when Redis is down."""
    try:
        return action(_limiter())
    except (StorageError, RedisError, OSError):
        log.warning("sign-in limits: Redis unreachable, counting in this process meanwhile")
        return action(FALLBACK)


def check(email: str, address: str) -> None:
    """Raise ``TooManyAttemptsError`` (saying how long to wait) while a limit is reached."""

    def blocked_until(limiter: MovingWindowRateLimiter) -> float:
        until = 0.0
        for item, keys in _scopes(email, address):
            if not limiter.test(item, *keys):
                until = max(until, limiter.get_window_stats(item, *keys).reset_time)
        return until

    until = _each(blocked_until)
    if until:
        minutes = max(1, math.ceil((until - time.time()) / 60))
        raise TooManyAttemptsError(
            ngettext(
                "Trop de tentatives de connexion. Réessayez dans %(num)d minute, ou utilisez "
                "« Mot de passe oublié? ».",
                "Trop de tentatives de connexion. Réessayez dans %(num)d minutes, ou utilisez "
                "« Mot de passe oublié? ».",
                minutes,
            )
        )


def record_failure(email: str, address: str) -> None:
    """Count one failed sign-in for the pair and for the address."""

    def hit(limiter: MovingWindowRateLimiter) -> None:
        for item, keys in _scopes(email, address):
            limiter.hit(item, *keys)

    _each(hit)
