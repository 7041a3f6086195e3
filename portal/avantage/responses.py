"""What responses mean: the data or the typed error of a frame, and the client's results."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portal.avantage.errors import (
    AuthenticationError,
    ProtocolError,
    ServerBusyError,
    ServerError,
    Step,
)
from portal.avantage.protocol import ErrorCode


@dataclass(frozen=True)
class Page:
    """One LIST response."""

    items: list[dict[str, Any]]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class PingResult:
    """The server's clock and the measured round trip, in seconds."""

    server_time: str
    round_trip: float


@dataclass(frozen=True)
class BatchResult:
    """A batch's number and state, and once committed what was accepted and rejected."""

    batch: str
    state: str
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicate: bool = False
    received: int | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BatchResult:
        """Build from BEGIN_BATCH, COMMIT_BATCH or GET_BATCH data."""
        if not isinstance(data.get("batch"), str) or not isinstance(data.get("state"), str):
            raise ProtocolError(f"batch response without batch/state: {sorted(data)}")
        return cls(
            batch=data["batch"],
            state=data["state"],
            accepted=int(data.get("accepted", 0)),
            rejected=list(data.get("rejected", [])),
            duplicate=bool(data.get("duplicate", False)),
            received=data.get("received"),
        )


def response_data(
    response: dict[str, Any], request_id: int, step: Step, user: str
) -> dict[str, Any]:
    """The ``data`` of a response to ``request_id``, or the typed error it carries."""
    answered_id, ok = response.get("id"), response.get("ok")
    if (
        type(ok) is not bool
        or answered_id not in (request_id, None)
        or (ok and answered_id is None)
    ):
        raise ProtocolError(f"unexpected response to request {request_id}", step=step)
    if ok:
        data = response.get("data")
        if not isinstance(data, dict):
            raise ProtocolError("response without data", step=step)
        return data
    error = response.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(code, str) or not isinstance(message, str):
        raise ProtocolError("error response without code and message", step=step)
    if code == ErrorCode.BUSY:
        raise ServerBusyError(message, step=step)
    if code == ErrorCode.AUTH_FAILED:
        raise AuthenticationError(user, message)
    raise ServerError(code, message, step=step)


_NEXT_CURSOR_KEY = b'"next_cursor":'
_JSON_DECODER = json.JSONDecoder()


def peek_next_cursor(plaintext: bytes) -> str | None:
    """The last ``"next_cursor":"…"`` string in a response, read without decoding the page."""
    at = plaintext.rfind(_NEXT_CURSOR_KEY)
    if at < 0:
        return None
    try:
        tail = plaintext[at + len(_NEXT_CURSOR_KEY) :].decode().lstrip()
        value, _ = _JSON_DECODER.raw_decode(tail)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def refuses_cursor(error: ServerError) -> bool:
    """True when a LIST was refused because of its cursor (expired, unknown…)."""
    return error.code == ErrorCode.INVALID and "cursor" in error.server_message.lower()


def page_of(data: dict[str, Any]) -> Page:
    """A LIST response's data as a Page; ProtocolError when it lacks a field."""
    items, total, cursor = data.get("items"), data.get("total"), data.get("next_cursor")
    if (
        not isinstance(items, list)
        or type(total) is not int
        or not (cursor is None or isinstance(cursor, str))
    ):
        raise ProtocolError("LIST response without items, total and next_cursor")
    return Page(items, total, cursor)
