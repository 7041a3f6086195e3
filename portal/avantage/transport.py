"""The client's side of one AVTCP/1 connection: resolve, connect, greeting, framed I/O.

Every socket wait has a deadline, so a silent or slow-dripping peer ends in a typed
error within the timeout instead of a hang.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import time
from collections.abc import Callable
from typing import Any

from portal.avantage.bounds import ResponseTooLargeError
from portal.avantage.cipher import FrameCipher, FrameCodec, PlainCodec, sealed_line_length
from portal.avantage.errors import (
    ConnectionLostError,
    EncryptionKeyRequiredError,
    HostNotFoundError,
    NoAnswerError,
    NotAvantageServerError,
    PortClosedError,
    ProtocolError,
    RequestTimeoutError,
    ServerBusyError,
    Step,
    WrongEncryptionKeyError,
)
from portal.avantage.protocol import (
    ERR_CRYPTO_LINE,
    PROTOCOL_VERSION,
    CodecError,
    ErrorCode,
    Greeting,
    decode_json,
    parse_greeting,
)
from portal.avantage.steps import DetailCode, StepLog

#: A greeting is one short line; anything longer is not MainTCP.
MAX_GREETING_BYTES = 1024
RECEIVE_CHUNK = 256 * 1024

AddressPolicy = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], None]


class _LineTooLongError(Exception):
    pass


class LineReader:
    """Reads ``\\n``-terminated lines from a socket, each within a deadline and a size cap.

    It never holds more than the cap (plus the line ending): a longer line stops the reading.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._scanned = 0

    def read_line(self, deadline: float, max_bytes: int) -> bytes:
        """The next line without its ending; else TimeoutError, EOFError or OSError."""
        most = max_bytes + 2  # the line and its "\r\n"
        while True:
            index = self._buffer.find(b"\n", self._scanned)
            if index >= 0:
                with memoryview(self._buffer) as view:  # one copy of the line, not two
                    line = view[:index].tobytes().removesuffix(b"\r")
                del self._buffer[: index + 1]
                self._scanned = 0
                if len(line) > max_bytes:
                    raise _LineTooLongError
                return line
            self._scanned = len(self._buffer)
            if self._scanned >= most:
                raise _LineTooLongError
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            chunk = self._sock.recv(min(RECEIVE_CHUNK, most - self._scanned))
            if not chunk:
                raise EOFError
            self._buffer += chunk

    def has_data(self) -> bool:
        """True when bytes are buffered or the socket is readable right now."""
        return bool(self._buffer) or bool(select.select([self._sock], [], [], 0)[0])


class Connection:
    """One open connection after a valid greeting: sends requests, receives responses.

    A response frame may hold at most ``max_frame_bytes`` of JSON (before encryption).
    """

    def __init__(
        self,
        sock: socket.socket,
        reader: LineReader,
        greeting: Greeting,
        codec: FrameCodec,
        timeout: float,
        max_frame_bytes: int,
    ) -> None:
        self.greeting = greeting
        self.timeout, self.max_frame_bytes = timeout, max_frame_bytes
        self._sock, self._reader, self._codec = sock, reader, codec
        self._max_line = sealed_line_length(max_frame_bytes) if greeting.crypto else max_frame_bytes

    def send(self, frame: dict[str, Any], step: Step = Step.REQUEST) -> None:
        """Seal and send one frame."""
        data = self._codec.seal(frame)
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(data)
        except TimeoutError:
            raise RequestTimeoutError(self.timeout, "send timed out", step=step) from None
        except OSError as error:
            raise ConnectionLostError(f"send failed: {error!r}", step=step) from None

    def receive(self, step: Step = Step.REQUEST) -> dict[str, Any]:
        """The next frame, unsealed and ``seq``-checked, within the timeout."""
        return self.parse(self.receive_plaintext(step), step)

    def receive_plaintext(self, step: Step = Step.REQUEST) -> bytes:
        """The next frame's JSON bytes, decrypted but not yet decoded nor ``seq``-checked."""
        deadline = time.monotonic() + self.timeout
        try:
            line = self._reader.read_line(deadline, self._max_line)
        except TimeoutError:
            raise RequestTimeoutError(self.timeout, "no response", step=step) from None
        except _LineTooLongError:
            raise ResponseTooLargeError(
                self.max_frame_bytes, f"response line over {self._max_line} bytes", step=step
            ) from None
        except EOFError:
            raise ConnectionLostError("server closed the connection", step=step) from None
        except OSError as error:
            raise ConnectionLostError(f"receive failed: {error!r}", step=step) from None
        if not self.greeting.crypto:
            return line
        if line == ERR_CRYPTO_LINE:
            raise WrongEncryptionKeyError("server answered ERR CRYPTO")
        if line.startswith(b"{"):
            # A clear frame on an encrypted connection is allowed for one thing: refusing with BUSY.
            try:
                code = _error_code(decode_json(line))
            except CodecError:
                code = None
            if code == ErrorCode.BUSY:
                raise ServerBusyError("clear BUSY frame", step=step)
            raise ProtocolError("clear-text frame on an encrypted connection", step=step)
        try:
            return self._codec.decrypt(line)
        except CodecError as error:
            raise ProtocolError(f"{error} ({len(line)}-byte line)", step=step) from None

    def parse(self, plaintext: bytes, step: Step = Step.REQUEST) -> dict[str, Any]:
        """Decode what :meth:`receive_plaintext` returned and check its ``seq``."""
        try:
            return self._codec.accept(plaintext)
        except CodecError as error:
            raise ProtocolError(str(error), step=step) from None

    def refuse_if_busy(self) -> None:
        """Raise ServerBusyError when the server followed its greeting with a BUSY frame."""
        if not self._reader.has_data():
            return
        if _error_code(self.receive(Step.GREETING)) == ErrorCode.BUSY:
            raise ServerBusyError("BUSY right after the greeting", step=Step.GREETING)
        raise ProtocolError("unexpected frame right after the greeting", step=Step.GREETING)

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


def _error_code(frame: dict[str, Any]) -> object:
    error = frame.get("error")
    return error.get("code") if frame.get("ok") is False and isinstance(error, dict) else None


def open_connection(
    host: str,
    port: int,
    key: str | None,
    *,
    timeout: float,
    address_policy: AddressPolicy | None,
    steps: StepLog,
    max_frame_bytes: int,
) -> Connection:
    """Resolve, vet, connect, read the greeting and set up encryption, recording each step."""
    steps.reset()
    targets = _resolve(host, port, address_policy)
    steps.passed(
        Step.RESOLVE,
        DetailCode.RESOLVED,
        addresses=", ".join(str(address) for address, _, _ in targets),
    )
    sock = _connect(host, port, targets, timeout)
    try:
        steps.passed(
            Step.CONNECT, DetailCode.CONNECTED, address="{}:{}".format(*sock.getpeername()[:2])
        )
        reader = LineReader(sock)
        greeting = _read_greeting(reader, host, port, timeout)
        steps.passed(
            Step.GREETING,
            DetailCode.GREETING_RECEIVED,
            line=greeting.to_line().split(" salt=")[0],
        )
        if greeting.crypto and not key:
            raise EncryptionKeyRequiredError("greeting says crypto=on")
        codec: FrameCodec = (
            FrameCipher.for_client(key, greeting.salt)
            if (greeting.crypto and key)
            else PlainCodec()
        )
        if not greeting.crypto:
            steps.passed(Step.ENCRYPTION, DetailCode.UNENCRYPTED)
        connection = Connection(sock, reader, greeting, codec, timeout, max_frame_bytes)
        connection.refuse_if_busy()
    except BaseException:
        sock.close()
        raise
    return connection


def _resolve(
    host: str, port: int, address_policy: AddressPolicy | None
) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int, Any]]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise HostNotFoundError(host, str(error)) from None
    targets = []
    for family, _, _, _, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address_policy is not None:
            address_policy(address)
        if all(address != known for known, _, _ in targets):
            targets.append((address, family, sockaddr))
    if not targets:
        raise HostNotFoundError(host, "no address")
    return targets


def _connect(
    host: str,
    port: int,
    targets: list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int, Any]],
    timeout: float,
) -> socket.socket:
    """Connect to the vetted addresses in order (never to the name again), first success wins."""
    failure: Exception | None = None
    for address, family, sockaddr in targets:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except TimeoutError:
            failure = NoAnswerError(host, port, timeout, f"connect to {address} timed out")
        except ConnectionRefusedError:
            failure = PortClosedError(host, port, f"connect to {address} refused")
        except OSError as error:
            failure = NoAnswerError(host, port, timeout, f"connect to {address}: {error!r}")
        else:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        sock.close()
    assert failure is not None
    raise failure


def _read_greeting(reader: LineReader, host: str, port: int, timeout: float) -> Greeting:
    try:
        line = reader.read_line(time.monotonic() + timeout, MAX_GREETING_BYTES)
    except TimeoutError:
        raise NotAvantageServerError(host, port, f"no greeting within {timeout:g} s") from None
    except _LineTooLongError:
        raise NotAvantageServerError(host, port, "first line too long for a greeting") from None
    except EOFError:
        raise NotAvantageServerError(host, port, "closed before any greeting") from None
    except OSError as error:
        raise NotAvantageServerError(host, port, f"failed before greeting: {error!r}") from None
    try:
        greeting = parse_greeting(line)
    except CodecError:
        raise NotAvantageServerError(host, port, f"first line was {line[:60]!r}") from None
    if greeting.protocol != PROTOCOL_VERSION:
        raise ProtocolError(f"server speaks AVTCP/{greeting.protocol}", step=Step.GREETING)
    return greeting
