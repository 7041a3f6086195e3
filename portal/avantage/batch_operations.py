"""The batch operations of the client (BEGIN_BATCH, ADD_LINES, COMMIT_BATCH, GET_BATCH): what
the payroll export speaks, apart from the session and the listings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal.avantage.batch_errors import LineTooLargeError, ReversalNotSupportedError
from portal.avantage.protocol import FrameTooLargeError, Greeting, chunk_lines
from portal.avantage.responses import BatchResult


class BatchOperations:
    """Mixed into :class:`~portal.avantage.client.AvantageClient`, which provides ``login``,
    ``greeting`` and ``_call`` (one request, retried on transient failures)."""

    greeting: Greeting | None

    def begin_batch(self, batch_key: str) -> BatchResult:
        """BEGIN_BATCH (idempotent): the batch number and state."""
        return BatchResult.from_data(self._call("BEGIN_BATCH", {"batch_key": batch_key}))

    def add_lines(self, batch_key: str, lines: Iterable[dict[str, Any]]) -> int:
        """ADD_LINES in as few frames as fit the server's buffer; the distinct lines received.
        Reversal lines only go to a server that announces them (ReversalNotSupportedError)."""
        self.login()
        assert self.greeting is not None
        lines = list(lines)
        if not self.supports_reversal and any(line.get("kind") == "reversal" for line in lines):
            raise ReversalNotSupportedError("the greeting announces no features=reversal")
        buffer = self.greeting.buffer
        try:
            chunks = list(chunk_lines(batch_key, lines, buffer))
        except FrameTooLargeError as error:
            raise LineTooLargeError(error.line, buffer, str(error)) from None
        received = 0
        for chunk in chunks:
            data = self._call("ADD_LINES", {"batch_key": batch_key, "lines": chunk})
            received = int(data.get("received", 0))
        return received

    @property
    def supports_reversal(self) -> bool:
        """Whether the server announced reversal lines (connect first: ``login``)."""
        return self.greeting is not None and "reversal" in self.greeting.features

    def commit_batch(self, batch_key: str, atomic: bool = True) -> BatchResult:
        """COMMIT_BATCH; a batch already committed returns its original result, duplicate=True."""
        data = self._call("COMMIT_BATCH", {"batch_key": batch_key, "atomic": atomic})
        return BatchResult.from_data(data)

    def get_batch(self, batch_key: str) -> BatchResult:
        """GET_BATCH: state and result of a batch (ServerError NOT_FOUND if never begun)."""
        return BatchResult.from_data(self._call("GET_BATCH", {"batch_key": batch_key}))
