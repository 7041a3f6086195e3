"""One simulator connection: greeting, frame limits, decryption and seq, login, ops, faults."""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from portal.avantage.cipher import FrameCipher, FrameCodec, PlainCodec, sealed_line_length
from portal.avantage.protocol import (
    ERR_CRYPTO_LINE,
    PROTOCOL_VERSION,
    SALT_SIZE,
    CodecError,
    DecryptError,
    ErrorCode,
    Greeting,
    SequenceError,
    error_frame,
    ok_frame,
)
from portal.avantage.simulator.config import SimulatorConfig
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.listing import Lister
from portal.avantage.simulator.request import RequestError, bool_argument, invalid, text_argument
from portal.avantage.simulator.state import SimulatorState
from portal.avantage.simulator.table import format_timestamp

log = logging.getLogger("portal.avantage.simulator")

#: Failed LOGINs after which the connection is closed.
MAX_AUTH_FAILURES = 3
#: Ops allowed before a successful LOGIN.
OPEN_OPS = frozenset({"LOGIN", "QUIT"})
_READ_CHUNK = 64 * 1024


class _TooLong:
    """Marks a line that exceeded the limit and was discarded."""


TOO_LONG = _TooLong()


class BoundedLineReader:
    """Reads lines of at most ``max_line`` bytes; longer ones are dropped as they stream in."""

    def __init__(self, reader: asyncio.StreamReader, max_line: int) -> None:
        self._reader = reader
        self._max_line = max_line
        self._buffer = bytearray()
        self._discarding = False

    async def read_line(self) -> bytes | _TooLong | None:
        """A line without its ending, TOO_LONG for a discarded one, None at end of stream."""
        while True:
            index = self._buffer.find(b"\n")
            if index >= 0:
                line = bytes(self._buffer[:index]).removesuffix(b"\r")
                del self._buffer[: index + 1]
                if self._discarding or len(line) > self._max_line:
                    self._discarding = False
                    return TOO_LONG
                return line
            if len(self._buffer) > self._max_line + 1:
                self._discarding = True
                self._buffer.clear()
            chunk = await self._reader.read(_READ_CHUNK)
            if not chunk:
                return None
            self._buffer += chunk


class Session:
    """Serves one connection from greeting to close; ``serve`` returns why it ended."""

    def __init__(
        self,
        config: SimulatorConfig,
        dataset: Dataset,
        state: SimulatorState,
        lister: Lister,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        server_frames: Iterator[int],
    ) -> None:
        self.config, self.dataset, self.state, self.lister = config, dataset, state, lister
        self._reader, self._writer = reader, writer
        self._server_frames = server_frames
        self.frames_received = 0
        self._responses_sent = 0
        self._authenticated = False
        self._auth_failures = 0
        self._closing: str | None = None
        salt = os.urandom(SALT_SIZE)
        self._greeting = Greeting(
            config.version,
            PROTOCOL_VERSION,
            config.buffer,
            crypto=config.key is not None,
            salt=salt,
            extra={"features": "reversal"} if config.reversal else {},
        )
        self._codec: FrameCodec = (
            FrameCipher.for_server(config.key, salt) if config.key is not None else PlainCodec()
        )
        self._ops: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "LOGIN": self._login,
            "PING": self._ping,
            "LIST": lister.list,
            "BEGIN_BATCH": self._begin_batch,
            "ADD_LINES": self._add_lines,
            "COMMIT_BATCH": self._commit_batch,
            "GET_BATCH": self._get_batch,
            "QUIT": self._quit,
        }

    async def refuse_busy(self) -> str:
        """Greeting, one BUSY error frame, close: the connection beyond ``max_sessions``."""
        busy = error_frame(
            None, ErrorCode.BUSY, f"too many sessions (max_sessions={self.config.max_sessions})"
        )
        await self._write(self._greeting_line() + self._codec.seal(busy))
        return "refused: BUSY"

    async def serve(self) -> str:
        """Greet, then answer frames until the client leaves, idles, or breaks the protocol."""
        if self.config.slow_start:
            await asyncio.sleep(self.config.slow_start)
        await self._write(self._greeting_line())
        max_line = self.config.buffer
        if self._greeting.crypto:
            max_line = sealed_line_length(max_line)
        lines = BoundedLineReader(self._reader, max_line)
        while self._closing is None:
            try:
                line = await asyncio.wait_for(lines.read_line(), self.config.idle_timeout)
            except TimeoutError:
                return "idle timeout"
            if line is None:
                return "closed by client"
            self.frames_received += 1
            if self.config.drop_after is not None and self.frames_received > self.config.drop_after:
                return f"dropped after {self.config.drop_after} frames (fault injection)"
            budget = self.config.frame_budget
            if next(self._server_frames) > (budget if budget is not None else math.inf):
                return f"server down after {budget} frames in all (fault injection)"
            await self._handle(line)
        return self._closing

    def _greeting_line(self) -> bytes:
        return self._greeting.to_line().encode() + b"\n"

    async def _handle(self, line: bytes | _TooLong) -> None:
        if isinstance(line, _TooLong):
            await self._refuse_too_large()
            return
        try:
            plaintext = self._codec.decrypt(line)
        except DecryptError:
            await self._write(ERR_CRYPTO_LINE + b"\n")
            self._closing = "ERR CRYPTO"
            return
        if len(plaintext) > self.config.buffer:
            await self._refuse_too_large()
            return
        try:
            request = self._codec.accept(plaintext)
        except SequenceError:
            self._closing = "bad seq (replay protection)"
            return
        except CodecError as error:
            await self._respond(error_frame(None, ErrorCode.INVALID, f"frame: {error}"))
            return
        await self._respond(self._answer(request))

    async def _refuse_too_large(self) -> None:
        self._codec.skip()  # with encryption, the discarded frame still used one seq
        message = f"frame longer than buffer={self.config.buffer} bytes"
        await self._respond(error_frame(None, ErrorCode.TOO_LARGE, message))

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        request_id = request.get("id")
        if type(request_id) is not int:
            return error_frame(None, ErrorCode.INVALID, "id: must be an integer")
        op = request.get("op")
        handler = self._ops.get(op) if isinstance(op, str) else None
        if handler is None:
            return error_frame(request_id, ErrorCode.INVALID, f"op: unknown operation {op!r}")
        if not self._authenticated and op not in OPEN_OPS:
            return error_frame(request_id, ErrorCode.UNAUTHENTICATED, "LOGIN first")
        try:
            self.state.refresh()
            return ok_frame(request_id, handler(request))
        except RequestError as error:
            return error_frame(request_id, error.code, error.message)
        except Exception:
            log.exception("internal error answering %s", op)
            return error_frame(request_id, ErrorCode.INTERNAL, "internal error")

    async def _respond(self, frame: dict[str, Any]) -> None:
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        self._responses_sent += 1
        every = self.config.garbage_every
        if every and self._responses_sent % every == 0:
            await self._write(os.urandom(24).replace(b"\n", b"?") + b"\n")
            return
        await self._write(self._codec.seal(frame))

    async def _write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    # --- ops ---------------------------------------------------------------------------

    def _login(self, args: dict[str, Any]) -> dict[str, Any]:
        user = text_argument(args, "user") or ""
        password = text_argument(args, "password") or ""
        expected = (self.config.user.encode(), self.config.password.encode())
        if hmac.compare_digest(user.encode(), expected[0]) & hmac.compare_digest(
            password.encode(), expected[1]
        ):
            self._authenticated = True
            company = {"code": self.config.company_code, "name": self.config.company_name}
            return {"company": company, "server_time": _now()}
        self._auth_failures += 1
        if self._auth_failures >= MAX_AUTH_FAILURES:
            self._closing = f"{MAX_AUTH_FAILURES} failed logins"
        raise RequestError(ErrorCode.AUTH_FAILED, "invalid user or password")

    def _ping(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"server_time": _now()}

    def _begin_batch(self, args: dict[str, Any]) -> dict[str, Any]:
        batch = self.state.begin(_batch_key(args))
        return {"batch": batch.number, "state": batch.state}

    def _add_lines(self, args: dict[str, Any]) -> dict[str, Any]:
        key = _batch_key(args)
        lines = args.get("lines")
        if not isinstance(lines, list):
            raise invalid("lines", "must be a list of timesheet lines")
        received = self.state.add_lines(
            self.state.batch(key), lines, self.dataset, reversal=self.config.reversal
        )
        return {"received": received}

    def _commit_batch(self, args: dict[str, Any]) -> dict[str, Any]:
        key = _batch_key(args)
        atomic = bool_argument(args, "atomic", True)
        return self.state.commit(self.state.batch(key), atomic, self.dataset)

    def _get_batch(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.state.batch(_batch_key(args)).data()

    def _quit(self, args: dict[str, Any]) -> dict[str, Any]:
        self._closing = "QUIT"
        return {}


def _batch_key(args: dict[str, Any]) -> str:
    return text_argument(args, "batch_key", max_length=64) or ""


def _now() -> str:
    return format_timestamp(time.time())
