"""LIST: entity tables, ``project``/``since`` filters, and signed cursors with a time to live."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from portal.avantage.protocol import ErrorCode
from portal.avantage.simulator.dataset import KEY_FIELDS, Dataset
from portal.avantage.simulator.request import (
    RequestError,
    int_argument,
    invalid,
    text_argument,
)
from portal.avantage.simulator.state import SimulatorState
from portal.avantage.simulator.table import Matcher, RecordTable, parse_timestamp

ENTITIES = (*KEY_FIELDS, "timesheet_entries")
#: Entities listed one project at a time (``project`` required).
PER_PROJECT = frozenset({"activities", "budget"})
#: Entities that accept ``project`` as an optional filter.
PROJECT_FILTERED = frozenset({"purchase_orders", "timesheet_entries"})
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
_MAX_CACHED_TOTALS = 256
#: A listing's filters: ``project``, ``since`` and (timesheet entries) ``batch``, or None.
Filters = dict[str, str | None]


class CursorCodec:
    """Opaque cursors: the listing's filters and position, signed, stamped with their issue time.

    Stateless, so a cursor survives a reconnection and costs the server no memory.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._secret = secrets.token_bytes(32)

    def issue(self, entity: str, filters: Filters, after: int) -> str:
        """A cursor meaning "the next page of this listing after position ``after``"."""
        payload = json.dumps([entity, filters, after, time.time()]).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._sign(body)}"

    def read(self, cursor: str, entity: str) -> tuple[Filters, int]:
        """(filters, after) of a cursor issued for ``entity``; else INVALID naming cursor."""
        body, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise invalid("cursor", "unknown cursor (not issued by this server)")
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            listed, filters, after, issued = payload
        except (ValueError, TypeError, binascii.Error):
            raise invalid("cursor", "unreadable cursor") from None
        if listed != entity:
            raise invalid("cursor", f"this cursor belongs to a listing of {listed}")
        if time.time() - issued > self.ttl:
            raise invalid("cursor", "cursor expired; start the listing again with cursor null")
        return filters, after

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:32]


class Lister:
    """Answers LIST requests from the data set and the posted timesheet entries."""

    def __init__(self, dataset: Dataset, state: SimulatorState, cursor_ttl: float) -> None:
        self.dataset, self.state = dataset, state
        self.cursors = CursorCodec(cursor_ttl)
        self._totals: dict[tuple[Any, ...], int] = {}

    def list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The LIST data: ``items``, ``next_cursor`` and ``total``."""
        entity = args.get("entity")
        if entity not in ENTITIES:
            raise invalid("entity", f"must be one of {', '.join(ENTITIES)}")
        limit = int_argument(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        cursor = args.get("cursor")
        if cursor is not None:
            if not isinstance(cursor, str):
                raise invalid("cursor", "must be a string or null")
            filters, after = self.cursors.read(cursor, entity)
        else:
            filters = {
                "project": self._project(args, entity),
                "since": self._since(args),
                "batch": self._batch(args, entity),
            }
            after = 0
        table = self._table(entity)
        matcher = _matcher(**filters)
        with self.dataset.lock:
            items, last, more = table.page(after, limit, matcher)
            total = self._total(table, entity, filters, matcher)
        next_cursor = self.cursors.issue(entity, filters, last) if more else None
        return {"items": items, "next_cursor": next_cursor, "total": total}

    def _table(self, entity: str) -> RecordTable:
        if entity == "timesheet_entries":
            return self.state.entries
        return self.dataset.tables[entity]

    def _project(self, args: dict[str, Any], entity: str) -> str | None:
        project = text_argument(args, "project", required=entity in PER_PROJECT, max_length=64)
        if project is None:
            return None
        if entity not in PER_PROJECT | PROJECT_FILTERED:
            raise invalid("project", f"{entity} are not listed per project")
        if self.dataset.get("projects", project) is None:
            raise RequestError(ErrorCode.NOT_FOUND, f"project: no project {project!r}")
        return project

    @staticmethod
    def _batch(args: dict[str, Any], entity: str) -> str | None:
        batch = text_argument(args, "batch", required=False, max_length=40)
        if batch is not None and entity != "timesheet_entries":
            raise invalid("batch", f"{entity} are not listed per batch")
        return batch

    @staticmethod
    def _since(args: dict[str, Any]) -> str | None:
        since = text_argument(args, "since", required=False, max_length=64)
        if since is not None:
            try:
                parse_timestamp(since)
            except ValueError:
                raise invalid(
                    "since", "must be an ISO timestamp such as 2026-01-31T12:00:00Z"
                ) from None
        return since

    def _total(
        self,
        table: RecordTable,
        entity: str,
        filters: Filters,
        matcher: Matcher | None,
    ) -> int:
        if matcher is None:
            return len(table)
        key = (entity, *sorted(filters.items()), table.version)
        if key not in self._totals:
            if len(self._totals) >= _MAX_CACHED_TOTALS:
                self._totals.clear()
            self._totals[key] = table.count(matcher)
        return self._totals[key]


def _matcher(project: str | None, since: str | None, batch: str | None) -> Matcher | None:
    since_seconds = None if since is None else parse_timestamp(since)
    if project is None and since_seconds is None and batch is None:
        return None

    def matches(record: dict[str, Any], updated: float) -> bool:
        if project is not None and record.get("project") != project:
            return False
        if batch is not None and record.get("batch") != batch:
            return False
        return since_seconds is None or updated > since_seconds

    return matches
