"""AVTCP/1 codec: greeting, JSON-line frames, ADD_LINES chunking, decimal strings (frame
encryption is in ``cipher.py``).

Pure encode/decode, no sockets. The client, the simulator and the tests all use this
module; adapting the portal to another MainTCP build means replacing this module.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

#: MainTCP's default TCP port.
DEFAULT_PORT = 2131
#: The only protocol version this codec speaks.
PROTOCOL_VERSION = 1
#: The greeting line, exactly as the vendor contract gives it.
GREETING_RE = re.compile(r"^AVANTAGE MainTCP (\S+) ready\. AVTCP/(\d+)((?: \w+=\S+)*)$")
#: Clear line the server sends before closing when a frame does not decrypt.
ERR_CRYPTO_LINE = b"ERR CRYPTO"
SALT_SIZE = 16
DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ErrorCode(StrEnum):
    """Codes of ``ok: false`` responses."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    AUTH_FAILED = "AUTH_FAILED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    TOO_LARGE = "TOO_LARGE"
    BUSY = "BUSY"
    CONFLICT = "CONFLICT"
    INTERNAL = "INTERNAL"


class RejectionCode(StrEnum):
    """Why COMMIT_BATCH rejected a timesheet line."""

    UNKNOWN_EMPLOYEE = "UNKNOWN_EMPLOYEE"
    INACTIVE_EMPLOYEE = "INACTIVE_EMPLOYEE"
    UNKNOWN_PROJECT = "UNKNOWN_PROJECT"
    CLOSED_PROJECT = "CLOSED_PROJECT"
    UNKNOWN_ACTIVITY = "UNKNOWN_ACTIVITY"
    UNKNOWN_TRADE = "UNKNOWN_TRADE"
    UNKNOWN_HOUR_TYPE = "UNKNOWN_HOUR_TYPE"
    UNKNOWN_EARNING = "UNKNOWN_EARNING"
    INVALID_HOURS = "INVALID_HOURS"
    #: A reversal line's batch or line does not exist, or its entry was deleted in Avantage.
    UNKNOWN_ENTRY = "UNKNOWN_ENTRY"
    #: A reversal line's entry is already reversed (by a committed batch, or earlier here).
    ALREADY_REVERSED = "ALREADY_REVERSED"


class CodecError(ValueError):
    """Bytes that are not a valid AVTCP/1 greeting or frame."""


class DecryptError(CodecError):
    """A line that is not base64 of a frame sealed with this key and direction."""


class SequenceError(CodecError):
    """A frame whose ``seq`` is missing, repeated or out of order (a replay)."""


class FrameTooLargeError(CodecError):
    """One timesheet line that cannot fit in a frame of the server's ``buffer``."""

    def __init__(self, line: object, size: int, buffer: int) -> None:
        super().__init__(f"line {line} needs a {size}-byte frame; the server accepts {buffer}")
        self.line, self.size, self.buffer = line, size, buffer


# --- greeting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Greeting:
    """What the server announces in its first, clear-text line."""

    version: str
    protocol: int
    buffer: int
    crypto: bool
    salt: bytes = b""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> frozenset[str]:
        """The optional capabilities the server announces (``features=reversal,…``)."""
        return frozenset(name for name in self.extra.get("features", "").split(",") if name)

    def to_line(self) -> str:
        """The greeting line, without its line ending."""
        params = [f"buffer={self.buffer}", f"crypto={'on' if self.crypto else 'off'}"]
        if self.salt:
            params.append(f"salt={base64.b64encode(self.salt).decode('ascii')}")
        params += [f"{name}={value}" for name, value in self.extra.items()]
        return f"AVANTAGE MainTCP {self.version} ready. AVTCP/{self.protocol} " + " ".join(params)


def parse_greeting(line: str | bytes) -> Greeting:
    """Parse a greeting line (``\\n`` or ``\\r\\n`` allowed); CodecError if it is not one."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CodecError("greeting is not UTF-8 text") from error
    match = GREETING_RE.match(line.rstrip("\r\n"))
    if match is None:
        raise CodecError("not an AVANTAGE MainTCP greeting")
    params = dict(item.split("=", 1) for item in match.group(3).split())
    buffer = params.pop("buffer", "")
    crypto = params.pop("crypto", "")
    salt_text = params.pop("salt", "")
    if not re.fullmatch(r"[0-9]{1,9}", buffer) or int(buffer) <= 0:
        raise CodecError("greeting without a valid buffer=")
    if crypto not in ("on", "off"):
        raise CodecError("greeting without crypto=on or crypto=off")
    try:
        salt = base64.b64decode(salt_text, validate=True)
    except binascii.Error as error:
        raise CodecError("greeting salt is not base64") from error
    if crypto == "on" and not salt:
        raise CodecError("greeting announces crypto=on without a salt")
    return Greeting(
        version=match.group(1),
        protocol=int(match.group(2)),
        buffer=int(buffer),
        crypto=crypto == "on",
        salt=salt,
        extra=params,
    )


# --- frames ---------------------------------------------------------------------------


def encode_json(frame: dict[str, Any]) -> bytes:
    """The compact UTF-8 JSON of a frame, without line ending: the bytes ``buffer`` limits."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode_json(data: bytes) -> dict[str, Any]:
    """Parse one frame's JSON; raise CodecError unless it is a JSON object."""
    try:
        frame = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise CodecError("frame is not JSON") from error
    if not isinstance(frame, dict):
        raise CodecError("frame is not a JSON object")
    return frame


def ok_frame(request_id: int | None, data: dict[str, Any]) -> dict[str, Any]:
    """A success response."""
    return {"id": request_id, "ok": True, "data": data}


def error_frame(request_id: int | None, code: str, message: str) -> dict[str, Any]:
    """A failure response; ``request_id`` is None when the request's id could not be read."""
    return {"id": request_id, "ok": False, "error": {"code": str(code), "message": message}}


# --- ADD_LINES chunking ---------------------------------------------------------------

#: Stand-in for ``id`` and ``seq`` when sizing a frame before their values are known.
_SIZING_NUMBER = 9_999_999_999


def chunk_lines(
    batch_key: str, lines: Sequence[dict[str, Any]], buffer: int
) -> Iterator[list[dict[str, Any]]]:
    """Split ``lines`` into as few ADD_LINES frames as fit ``buffer`` bytes (before encryption)."""
    empty = {"id": _SIZING_NUMBER, "op": "ADD_LINES", "batch_key": batch_key, "lines": []}
    overhead = len(encode_json({**empty, "seq": _SIZING_NUMBER}))
    chunk: list[dict[str, Any]] = []
    size = overhead
    for line in lines:
        line_size = len(encode_json(line))
        if overhead + line_size > buffer:
            raise FrameTooLargeError(line.get("line"), overhead + line_size, buffer)
        added = line_size + (1 if chunk else 0)
        if size + added > buffer:
            yield chunk
            chunk, size, added = [], overhead, line_size
        chunk.append(line)
        size += added
    if chunk:
        yield chunk


# --- decimal strings and dates --------------------------------------------------------


def is_decimal_string(value: object) -> bool:
    """True for a string such as ``"7.50"``, ``"-3"`` or ``"45.10"`` (no exponent, no spaces)."""
    return isinstance(value, str) and DECIMAL_RE.fullmatch(value) is not None


def parse_decimal(value: object) -> Decimal:
    """A decimal string → Decimal; raise ValueError for floats, ints or malformed text."""
    if not is_decimal_string(value):
        raise ValueError(f"not a decimal string: {value!r}")
    try:
        return Decimal(value)  # type: ignore[arg-type]
    except InvalidOperation as error:  # pragma: no cover - the regex already excludes it
        raise ValueError(f"not a decimal string: {value!r}") from error


def format_decimal(value: Decimal | int | str, places: int = 2) -> str:
    """A number → decimal string with ``places`` decimals, rounded half up (``"45.10"``)."""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))
