"""A hostile MainTCP for tests: a real loopback AVTCP/1 server (crypto=off) scripted per test.

It greets, answers LOGIN, PING and QUIT itself, and every LIST with the test's ``lister``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from portal.avantage.protocol import Greeting, encode_json, error_frame, ok_frame

#: One request frame → the bytes of its answer, possibly in several chunks.
Answer = Callable[[dict[str, Any]], Iterable[bytes]]

GREETING = Greeting("7.40", 1, 65536, crypto=False).to_line().encode() + b"\n"
COMPANY = {"code": "HOSTILE", "name": "Serveur hostile"}
SERVER_TIME = "2026-01-01T00:00:00Z"


def line(frame: dict[str, Any]) -> bytes:
    """One frame as a JSON line."""
    return encode_json(frame) + b"\n"


def ok(request: dict[str, Any], data: dict[str, Any]) -> list[bytes]:
    """A success answer to ``request``."""
    return [line(ok_frame(request["id"], data))]


def employee(number: int) -> dict[str, Any]:
    """An Avantage employee record numbered ``number``."""
    return {
        "number": str(number),
        "first_name": "Prénom",
        "last_name": f"Nom{number}",
        "email": None,
        "trade": "CHARP",
        "competency": "compagnon",
        "active": True,
        "updated_at": "2025-06-01T00:00:00Z",
    }


def endless(per_page: int, total: int, *, grow: int = 0) -> Answer:
    """LIST answers that never end: ``per_page`` new items, a new cursor, ``total`` (+ ``grow``
    more on each page), whatever the request asks."""
    pages = itertools.count()

    def answer(request: dict[str, Any]) -> list[bytes]:
        page = next(pages)
        items = [employee(1 + page * per_page + index) for index in range(per_page)]
        data = {"items": items, "next_cursor": f"page-{page + 1}", "total": total + page * grow}
        return ok(request, data)

    return answer


class HostileServer:
    """A threaded loopback server; use as a context manager. ``lists`` counts LIST requests.

    After ``max_lists`` LISTs it drops every connection and refuses new ones, so a client that
    never stops fails the test instead of hanging it.
    """

    user, password, key = "portail", "mot-de-passe-hostile", None

    def __init__(
        self,
        lister: Answer,
        *,
        greeting: bytes = GREETING,
        company: dict[str, Any] = COMPANY,
        login_error: str | None = None,
        max_lists: int = 50,
    ) -> None:
        self.lister, self.greeting, self.company = lister, greeting, company
        self.login_error, self.max_lists = login_error, max_lists
        self.lists = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()[:2]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._serve, daemon=True)]

    @property
    def url(self) -> str:
        """``tcp://host:port``."""
        return f"tcp://{self.host}:{self.port}"

    def __enter__(self) -> HostileServer:
        self._threads[0].start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._threads[0].join()  # no connection is accepted after this
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads[1:]:
            thread.join()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                if self.lists > self.max_lists:
                    connection.close()
                    continue
                self._connections.append(connection)
                thread = threading.Thread(target=self._converse, args=(connection,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _converse(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader, contextlib.suppress(OSError):
            connection.sendall(self.greeting)
            for raw in reader:
                request = json.loads(raw)
                if request.get("op") == "LIST":
                    with self._lock:
                        self.lists += 1
                        if self.lists > self.max_lists:
                            return
                for chunk in self._answer(request):
                    connection.sendall(chunk)
                if request.get("op") == "QUIT":
                    return

    def _answer(self, request: dict[str, Any]) -> Iterable[bytes]:
        op = request.get("op")
        if op == "LIST":
            return self.lister(request)
        if op == "LOGIN" and self.login_error is not None:
            return [line(error_frame(request["id"], "AUTH_FAILED", self.login_error))]
        if op == "LOGIN":
            return ok(request, {"company": self.company, "server_time": SERVER_TIME})
        return ok(request, {"server_time": SERVER_TIME} if op == "PING" else {})


def streamed_list_frame(request: dict[str, Any], items: int) -> Iterator[bytes]:
    """One LIST answer of ``items`` empty objects, produced 1 MiB at a time (never whole)."""
    yield b'{"id":%d,"ok":true,"data":{"next_cursor":null,"total":%d,"items":[' % (
        request["id"],
        items,
    )
    per_chunk = (1 << 20) // 3
    for start in range(0, items, per_chunk):
        chunk = b"{}," * min(per_chunk, items - start)
        yield chunk if start + per_chunk < items else chunk[:-1]
    yield b"]}}\n"
