"""AvantageClient: a synchronous AVTCP/1 client with reconnection, resumable listings and batches.

One client holds at most one connection and is not thread-safe. Transient failures
(dropped connection, BUSY, request timeouts) are retried with exponential backoff;
the others are raised at once as typed :mod:`portal.avantage.errors`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from portal.avantage.batch_operations import BatchOperations
from portal.avantage.bounds import (
    DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MAX_PAGES,
    ListingOverrunError,
)
from portal.avantage.errors import (
    AvantageError,
    ServerError,
    Step,
)
from portal.avantage.listing import ListingGuard, paginate
from portal.avantage.protocol import Greeting
from portal.avantage.responses import (
    Page,
    PingResult,
    peek_next_cursor,
    response_data,
)
from portal.avantage.steps import DetailCode, StepLog, StepResult
from portal.avantage.transport import AddressPolicy, Connection, open_connection

T = TypeVar("T")


class AvantageClient(BatchOperations):
    """Talks AVTCP/1 to one MainTCP server; use as a context manager (login on enter).

    ``max_frame_bytes`` caps a response's JSON; ``max_pages`` caps the pages of one listing.
    """

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        key: str | None = None,
        *,
        timeout: float = 10.0,
        address_policy: AddressPolicy | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.host, self.port, self.user = host, port, user
        self._password, self._key = password, key
        self.timeout, self.address_policy = timeout, address_policy
        self.retries, self.backoff = retries, backoff
        self.max_frame_bytes, self.max_pages = max_frame_bytes, max_pages
        #: The latest greeting, company (from LOGIN) and server clock.
        self.greeting: Greeting | None = None
        self.company: dict[str, Any] | None = None
        self.server_time: str | None = None
        #: Request/response exchanges so far, across reconnections.
        self.round_trips = 0
        self._steps = StepLog()
        self._connection: Connection | None = None
        self._read_ahead: _ReadAhead | None = None
        self._last_id = 0

    def __repr__(self) -> str:
        return f"AvantageClient({self.host!r}, {self.port}, user={self.user!r})"

    def __enter__(self) -> AvantageClient:
        self.login()
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc is None:
            self.quit()
        else:
            self.close()

    @property
    def diagnostics(self) -> list[StepResult]:
        """The connection steps (resolve … login) of the latest attempt, with their status."""
        return self._steps.results()

    # --- session -----------------------------------------------------------------------

    def login(self) -> dict[str, Any]:
        """Connect and log in unless already done; return the company (code, name)."""
        return self._with_retries(lambda: dict(self.company or {}))

    def ping(self) -> PingResult:
        """PING: the server's clock and the round trip."""

        def exchange() -> PingResult:
            started = time.perf_counter()
            data = self._request("PING", {})
            return PingResult(str(data.get("server_time")), time.perf_counter() - started)

        return self._with_retries(exchange)

    def quit(self) -> None:
        """Say QUIT (best effort) and close the connection."""
        if self._connection is not None:
            with contextlib.suppress(AvantageError):  # closing anyway
                self._request("QUIT", {})
        self.close()

    def close(self) -> None:
        """Close the connection without QUIT."""
        self._read_ahead = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open_session(self) -> None:
        try:
            self._connection = open_connection(
                self.host,
                self.port,
                self._key,
                timeout=self.timeout,
                address_policy=self.address_policy,
                steps=self._steps,
                max_frame_bytes=self.max_frame_bytes,
            )
            self.greeting = self._connection.greeting
            data = self._request(
                "LOGIN", {"user": self.user, "password": self._password}, Step.LOGIN
            )
        except AvantageError as error:
            self.close()
            self._steps.failed(error)
            error.diagnostics = self._steps.results()
            raise
        company = data.get("company")
        self.company = company if isinstance(company, dict) else {}
        self.server_time = data.get("server_time")
        code = str(self.company.get("code", "?"))
        self._steps.passed(Step.LOGIN, DetailCode.LOGGED_IN, user=self.user, company=code)

    def _with_retries(self, action: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                if self._connection is None:
                    self._open_session()
                return action()
            except AvantageError as error:
                if not error.transient or attempt >= self.retries:
                    raise
            self.close()
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    def _request(self, op: str, args: dict[str, Any], step: Step = Step.REQUEST) -> dict[str, Any]:
        """One exchange on the open connection."""
        self._settle_read_ahead()
        with self._closing_on_failure():
            request_id = self._send(op, args, step)
            return self._receive(request_id, step)

    def _send(self, op: str, args: dict[str, Any], step: Step = Step.REQUEST) -> int:
        assert self._connection is not None
        self._last_id += 1
        self._connection.send({"id": self._last_id, "op": op, **args}, step)
        return self._last_id

    def _receive(
        self, request_id: int, step: Step = Step.REQUEST, plaintext: bytes | None = None
    ) -> dict[str, Any]:
        connection = self._connection
        assert connection is not None
        if plaintext is None:
            plaintext = connection.receive_plaintext(step)
        response = connection.parse(plaintext, step)
        self.round_trips += 1
        if step is Step.LOGIN and connection.greeting.crypto:
            self._steps.passed(Step.ENCRYPTION, DetailCode.KEY_ACCEPTED, cipher="AES-256-GCM")
        return response_data(response, request_id, step, self.user)

    @contextlib.contextmanager
    def _closing_on_failure(self) -> Iterator[None]:
        """Any failure but a ServerError leaves the connection in doubt: close it."""
        try:
            yield
        except ServerError:
            raise
        except AvantageError:
            self.close()
            raise

    def _call(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._with_retries(lambda: self._request(op, args))

    def _list_page(self, args: dict[str, Any], cursor: str | None) -> dict[str, Any]:
        """One LIST exchange that asks for the next page before decoding this one.

        The next cursor is read from the raw bytes (``"next_cursor":"…"``) and the next
        request sent at once, so the server encodes page k+1 while we decode page k; the
        guess is checked against the decoded page and a wrong one's answer discarded.
        """
        ahead, self._read_ahead = self._read_ahead, None
        with self._closing_on_failure():
            connection = self._connection
            if ahead is not None and ahead.connection is connection and ahead.cursor == cursor:
                request_id = ahead.request_id
            else:
                self._read_ahead = ahead
                self._settle_read_ahead()
                request_id = self._send("LIST", {**args, "cursor": cursor})
            assert connection is not None
            plaintext = connection.receive_plaintext()
            guess = peek_next_cursor(plaintext)
            if guess is not None:
                next_id = self._send("LIST", {**args, "cursor": guess})
                self._read_ahead = _ReadAhead(connection, next_id, guess)
            return self._receive(request_id, plaintext=plaintext)

    def _settle_read_ahead(self) -> None:
        """Read and drop the answer to a LIST sent ahead that nobody will use."""
        ahead, self._read_ahead = self._read_ahead, None
        if ahead is not None and ahead.connection is self._connection:
            with self._closing_on_failure(), contextlib.suppress(ServerError):
                self._receive(ahead.request_id)

    # --- listing -----------------------------------------------------------------------

    def list_pages(
        self,
        entity: str,
        *,
        project: str | None = None,
        since: str | datetime | None = None,
        batch: str | None = None,
        limit: int = 500,
    ) -> Iterator[Page]:
        """LIST pages of ``entity``; resumes after a reconnection, restarts on an expired cursor.

        After a restart the items already yielded are skipped (the order is stable), so the
        consumer sees every record exactly once. A listing that passes its bounds (see
        :mod:`portal.avantage.listing`) raises ListingOverrunError and closes the connection.
        """
        args: dict[str, Any] = {"entity": entity, "limit": limit}
        if project is not None:
            args["project"] = project
        if since is not None:
            args["since"] = since.isoformat() if isinstance(since, datetime) else since
        if batch is not None:  # timesheet_entries of one Avantage batch
            args["batch"] = batch
        guard = ListingGuard(entity, limit, self.max_pages)
        try:
            yield from paginate(
                lambda cursor: self._with_retries(lambda: self._list_page(args, cursor)),
                guard,
                self.retries,
            )
        except ListingOverrunError:
            self.close()  # what the server sent ahead cannot be trusted either
            raise

    def iter_items(
        self,
        entity: str,
        *,
        project: str | None = None,
        since: str | datetime | None = None,
        batch: str | None = None,
        limit: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Every item of ``entity``, one at a time, memory flat whatever the size."""
        pages = self.list_pages(entity, project=project, since=since, batch=batch, limit=limit)
        for page in pages:
            yield from page.items


@dataclass(frozen=True)
class _ReadAhead:
    """A LIST already sent for the page after the one being decoded."""

    connection: Connection
    request_id: int
    cursor: str
