"""AVTCP/1 codec: greeting, JSON-line frames, AES-256-GCM frame encryption, decimal strings.

Pure encode/decode, no sockets. The client, the simulator and the tests all use this
module; adapting the portal to another MainTCP build means replacing this module.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: MainTCP's default TCP port.
DEFAULT_PORT = 2131
#: The only protocol version this codec speaks.
PROTOCOL_VERSION = 1
#: The greeting line, exactly as the vendor contract gives it.
GREETING_RE = re.compile(r"^AVANTAGE MainTCP (\S+) ready\. AVTCP/(\d+)((?: \w+=\S+)*)$")
#: HKDF ``info`` for the frame key.
HKDF_INFO = b"AVTCP/1 frame key"
#: AES-GCM associated data per direction.
CLIENT_TO_SERVER = b"C>S"
SERVER_TO_CLIENT = b"S>C"
#: Clear line the server sends before closing when a frame does not decrypt.
ERR_CRYPTO_LINE = b"ERR CRYPTO"
NONCE_SIZE = 12
TAG_SIZE = 16
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


# --- encryption -----------------------------------------------------------------------


def derive_key(password: str, salt: bytes) -> bytes:
    """HKDF-SHA256 of the MainTCP encryption password with the greeting salt: 32 bytes."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=HKDF_INFO)
    return hkdf.derive(password.encode("utf-8"))


def encrypt_line(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """``base64(nonce12 || ciphertext_with_tag)`` with a fresh random nonce, no line ending."""
    nonce = os.urandom(NONCE_SIZE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data))


def decrypt_line(key: bytes, line: bytes, associated_data: bytes) -> bytes:
    """Inverse of :func:`encrypt_line`; raise DecryptError for anything else."""
    try:
        sealed = binascii.a2b_base64(line, strict_mode=True)  # C speed, unlike b64decode(validate)
    except (binascii.Error, ValueError) as error:
        raise DecryptError("frame is not base64") from error
    if len(sealed) < NONCE_SIZE + TAG_SIZE:
        raise DecryptError("frame too short to be sealed")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], associated_data)
    except InvalidTag as error:
        raise DecryptError("frame does not decrypt with this key") from error


def sealed_line_length(plaintext_size: int) -> int:
    """Length of the base64 line that carries a plaintext of ``plaintext_size`` bytes."""
    return 4 * -(-(NONCE_SIZE + plaintext_size + TAG_SIZE) // 3)


class FrameCodec(Protocol):
    """Turns frames into lines and back, for one side of one connection."""

    def seal(self, frame: dict[str, Any]) -> bytes:
        """Frame → line with ``\\n``."""

    def decrypt(self, line: bytes) -> bytes:
        """Line (without ending) → JSON bytes; DecryptError when it is not sealed right."""

    def accept(self, plaintext: bytes) -> dict[str, Any]:
        """JSON bytes → frame, its ``seq`` checked and removed."""

    def skip(self) -> None:
        """Count a frame discarded unread (TOO_LARGE)."""

    def unseal(self, line: bytes) -> dict[str, Any]:
        """Line (without ending) → frame: ``accept(decrypt(line))``."""


class PlainCodec:
    """``crypto=off``: plain JSON lines; an incoming ``seq`` is optional and ignored."""

    def seal(self, frame: dict[str, Any]) -> bytes:
        """Frame → line with ``\\n``."""
        return encode_json(frame) + b"\n"

    def decrypt(self, line: bytes) -> bytes:
        """Nothing to decrypt: the line is the JSON."""
        return line

    def accept(self, plaintext: bytes) -> dict[str, Any]:
        """JSON bytes → frame, its ``seq`` removed."""
        frame = decode_json(plaintext)
        frame.pop("seq", None)
        return frame

    def skip(self) -> None:
        """Nothing to count without ``seq``."""

    def unseal(self, line: bytes) -> dict[str, Any]:
        """Line (without ending) → frame."""
        return self.accept(line)


class FrameCipher:
    """``crypto=on``: seals outgoing frames with the next ``seq``; checks 1, 2, 3… on receipt."""

    def __init__(self, key: bytes, *, send_ad: bytes, receive_ad: bytes) -> None:
        self._key, self._send_ad, self._receive_ad = key, send_ad, receive_ad
        self.sent_seq = 0
        self.received_seq = 0

    @classmethod
    def for_client(cls, password: str, salt: bytes) -> FrameCipher:
        """The client's side of a connection whose greeting carried ``salt``."""
        key = derive_key(password, salt)
        return cls(key, send_ad=CLIENT_TO_SERVER, receive_ad=SERVER_TO_CLIENT)

    @classmethod
    def for_server(cls, password: str, salt: bytes) -> FrameCipher:
        """The server's side of a connection whose greeting carried ``salt``."""
        key = derive_key(password, salt)
        return cls(key, send_ad=SERVER_TO_CLIENT, receive_ad=CLIENT_TO_SERVER)

    def seal(self, frame: dict[str, Any]) -> bytes:
        """Frame → encrypted line with ``\\n``, carrying the next outgoing ``seq``."""
        self.sent_seq += 1
        plaintext = encode_json({**frame, "seq": self.sent_seq})
        return encrypt_line(self._key, plaintext, self._send_ad) + b"\n"

    def decrypt(self, line: bytes) -> bytes:
        """Encrypted line → plaintext JSON bytes (``seq`` not checked yet)."""
        return decrypt_line(self._key, line, self._receive_ad)

    def accept(self, plaintext: bytes) -> dict[str, Any]:
        """Plaintext → frame: consumes one ``seq`` step, raises SequenceError on a replay."""
        self.received_seq += 1
        frame = decode_json(plaintext)
        seq = frame.pop("seq", None)
        if type(seq) is not int or seq != self.received_seq:
            raise SequenceError(f"expected seq {self.received_seq}, got {seq!r}")
        return frame

    def skip(self) -> None:
        """Count a frame that was discarded unread (TOO_LARGE) as one ``seq`` step."""
        self.received_seq += 1

    def unseal(self, line: bytes) -> dict[str, Any]:
        """Encrypted line (without ending) → frame, ``seq`` checked and removed."""
        return self.accept(self.decrypt(line))


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
