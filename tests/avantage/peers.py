"""Loopback peers that are not a healthy MainTCP: silent, unreachable, scripted, HTTP."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator


@contextlib.contextmanager
def silent_server() -> Iterator[tuple[str, int]]:
    """A port whose kernel completes connections that nobody ever answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[:2]


@contextlib.contextmanager
def unreachable_port() -> Iterator[tuple[str, int]]:
    """A port where a connect never completes (on Linux, a full backlog drops further SYNs)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()[:2]
        for _ in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        time.sleep(0.05)
        yield address
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextlib.contextmanager
def closed_port() -> Iterator[tuple[str, int]]:
    """A port nobody listens on (connection refused)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        address = probe.getsockname()[:2]
    yield address


class ScriptedServer:
    """Accepts connections; sends ``script`` to each, records what arrives, then closes.

    After each line received, the next of ``replies`` (if any) is sent. A connection stays
    open ``linger`` seconds after the script (or until the client leaves).
    """

    def __init__(
        self, script: bytes, *, replies: tuple[bytes, ...] = (), linger: float = 0.3
    ) -> None:
        self.script, self.replies, self.linger = script, replies, linger
        self.received: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                self._converse(connection)

    def _converse(self, connection: socket.socket) -> None:
        received = bytearray()
        connection.settimeout(0.05)
        with contextlib.suppress(OSError):
            connection.sendall(self.script)
        deadline = time.monotonic() + self.linger
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            answered = received.count(b"\n") - chunk.count(b"\n")
            for reply in self.replies[answered : received.count(b"\n")]:
                connection.sendall(reply)
        self.received.append(bytes(received))


@contextlib.contextmanager
def http_server() -> Iterator[tuple[str, int]]:
    """A real HTTP server (it waits for a request and never speaks first)."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
