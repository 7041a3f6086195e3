"""Fixtures that run the MainTCP simulator on an ephemeral loopback port, and a raw AVTCP/1 socket.

``make_simulator(**config_overrides)`` starts a SimulatorServer in a thread (stopped at
teardown); ``simulator`` is one with crypto on. Credentials are random per test.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from portal.avantage.cipher import FrameCipher, FrameCodec, PlainCodec
from portal.avantage.client import AvantageClient
from portal.avantage.protocol import parse_greeting
from portal.avantage.simulator import SimulatorConfig, SimulatorServer


@dataclass
class RunningSimulator:
    """A started simulator and what a client needs to reach it."""

    server: SimulatorServer
    host: str
    port: int
    user: str
    password: str
    key: str | None

    @property
    def url(self) -> str:
        """``tcp://host:port``."""
        return f"tcp://{self.host}:{self.port}"

    def client(self, **overrides: Any) -> AvantageClient:
        """A client for this simulator; any AvantageClient argument can be overridden."""
        options: dict[str, Any] = {
            "user": self.user,
            "password": self.password,
            "key": self.key,
            "timeout": 5.0,
            "retries": 3,
            "backoff": 0.01,
            **overrides,
        }
        return AvantageClient(self.host, self.port, **options)

    def raw(self, **overrides: Any) -> RawConnection:
        """A raw AVTCP/1 socket to this simulator (greeting already read)."""
        return RawConnection(self.host, self.port, overrides.get("key", self.key))


class RawConnection:
    """A bare socket that speaks AVTCP/1 through the shared codec, for tests that craft frames."""

    def __init__(self, host: str, port: int, key: str | None = None, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._file = self.sock.makefile("rb")
        #: The greeting exactly as received (what ``telnet host port`` shows).
        self.greeting_line = self._file.readline()
        self.greeting = parse_greeting(self.greeting_line)
        self.codec: FrameCodec = (
            FrameCipher.for_client(key, self.greeting.salt)
            if self.greeting.crypto and key
            else PlainCodec()
        )
        self._last_id = 0

    def send_line(self, data: bytes) -> None:
        """Send raw bytes followed by ``\\n``."""
        self.sock.sendall(data + b"\n")

    def send(self, frame: dict[str, Any]) -> None:
        """Seal (encrypt when crypto=on) and send one frame."""
        self.sock.sendall(self.codec.seal(frame))

    def read_line(self) -> bytes:
        """The next line without ``\\n``; b"" when the server closed the connection."""
        return self._file.readline().removesuffix(b"\n")

    def receive(self) -> dict[str, Any]:
        """The next frame, unsealed."""
        line = self.read_line()
        assert line, "the server closed the connection"
        return self.codec.unseal(line)

    def request(self, op: str, **args: Any) -> dict[str, Any]:
        """Send a request with a fresh id and return the response frame."""
        self._last_id += 1
        self.send({"id": self._last_id, "op": op, **args})
        return self.receive()

    def is_closed_by_server(self) -> bool:
        """True when the server closes without sending anything more."""
        try:
            return self._file.readline() == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        """Close the socket."""
        self._file.close()
        self.sock.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def random_credentials() -> dict[str, str]:
    """A user, password and 16-character encryption key made up for one test."""
    return {
        "user": "portail",
        "password": secrets.token_urlsafe(12),
        "key": secrets.token_urlsafe(12)[:16],
    }


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., RunningSimulator]]:
    """Factory: ``make_simulator(**SimulatorConfig overrides)`` → RunningSimulator."""
    started: list[SimulatorServer] = []

    def start(**overrides: Any) -> RunningSimulator:
        settings: dict[str, Any] = {**random_credentials(), **overrides}
        server = SimulatorServer(SimulatorConfig(**settings))
        host, port = server.start_in_thread()
        started.append(server)
        return RunningSimulator(
            server, host, port, settings["user"], settings["password"], settings["key"]
        )

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def simulator(make_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    """A simulator with the demo data set and encryption on."""
    return make_simulator()
