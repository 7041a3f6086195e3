"""A one-shot connection check for a diagnostics panel: every step, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.avantage.client import AvantageClient
from portal.avantage.errors import AvantageError
from portal.avantage.protocol import Greeting
from portal.avantage.responses import PingResult
from portal.avantage.steps import StepResult
from portal.avantage.transport import AddressPolicy


@dataclass(frozen=True)
class Diagnosis:
    """The outcome of :func:`diagnose`: steps, greeting, company, round trip, and the error."""

    steps: list[StepResult]
    greeting: Greeting | None
    company: dict[str, Any] | None
    round_trip: float | None
    error: AvantageError | None

    @property
    def ok(self) -> bool:
        """True when every step passed and PING answered."""
        return self.error is None


def diagnose(
    host: str,
    port: int,
    user: str,
    password: str,
    key: str | None = None,
    *,
    timeout: float = 5.0,
    address_policy: AddressPolicy | None = None,
) -> Diagnosis:
    """Connect, log in and PING once, never raising an AvantageError: for a diagnostics panel."""
    client = AvantageClient(
        host, port, user, password, key, timeout=timeout, address_policy=address_policy, retries=0
    )
    error: AvantageError | None = None
    ping: PingResult | None = None
    try:
        client.login()
        ping = client.ping()
    except AvantageError as failure:
        error = failure
    finally:
        client.quit()
    return Diagnosis(
        steps=client.diagnostics,
        greeting=client.greeting,
        company=client.company,
        round_trip=ping.round_trip if ping else None,
        error=error,
    )
