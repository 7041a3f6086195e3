"""Leases: at most one job executes a sync run or an export batch at a time.

A job takes the row's lease (its own owner token and an expiry) with a conditional UPDATE
that a second job cannot win while the lease is valid, renews it every few seconds from a
heartbeat, and gives it back when it stops. A row whose lease expired has no live owner:
the reaper moves it to a state the office can act on. Every step is one UPDATE whose
``WHERE`` holds the condition, so races have one winner on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from portal.models import db
from portal.models.base import utcnow


class LeaseLostError(Exception):
    """Another job holds the row now (this one was presumed dead): stop without writing."""


def new_owner(job_id: str | None) -> str:
    """An owner token unique to this execution (two executions of one job id differ)."""
    return f"{job_id or 'direct'}:{uuid.uuid4().hex[:12]}"[:80]


@dataclass
class Lease:
    """The lease one execution holds on one row of ``model`` (SyncRun or ExportBatch)."""

    model: type
    row_id: int
    owner: str
    seconds: float
    lost: threading.Event = field(default_factory=threading.Event)

    def _update(self, *where, **values) -> bool:
        table = self.model.__table__
        statement = table.update().where(table.c.id == self.row_id, *where).values(**values)
        return db.session.execute(statement).rowcount == 1

    def take(self, statuses: Iterable, *where, **values) -> bool:
        """Take the row if its status is one of ``statuses``, ``where`` holds and no valid lease
        is held on it; ``values`` are written in the same UPDATE (the status it moves to)."""
        now = utcnow()
        table = self.model.__table__
        taken = self._update(
            table.c.status.in_(list(statuses)),
            *where,
            sa.or_(table.c.lease_owner.is_(None), table.c.lease_expires_at < now),
            lease_owner=self.owner,
            lease_expires_at=now + timedelta(seconds=self.seconds),
            heartbeat_at=now,
            due_at=None,
            **values,
        )
        db.session.commit()
        return taken

    def renew(self) -> bool:
        """Extend the lease; False (and ``lost`` set) when another job has taken it."""
        now = utcnow()
        table = self.model.__table__
        renewed = self._update(
            table.c.lease_owner == self.owner,
            lease_expires_at=now + timedelta(seconds=self.seconds),
            heartbeat_at=now,
        )
        db.session.commit()
        if not renewed:
            self.lost.set()
        return renewed

    def check(self) -> None:
        """Raise LeaseLostError once the heartbeat found the lease taken by another job."""
        if self.lost.is_set():
            raise LeaseLostError(f"{self.model.__name__} {self.row_id}")

    def held_where(self):
        """The condition that this execution still holds the row, for a final UPDATE."""
        return self.model.__table__.c.lease_owner == self.owner

    def release(self, **values) -> bool:
        """Give the lease back (with ``values``, e.g. a retry's state) if still held."""
        released = self._update(
            self.held_where(), lease_owner=None, lease_expires_at=None, **values
        )
        db.session.commit()
        return released


def has_expired(row, now=None) -> bool:
    """What :func:`expired` says of a row already loaded."""
    return row.lease_expires_at is None or row.lease_expires_at < (now or utcnow())


def expired(model, now=None):
    """The condition that a row's lease has expired (or was never taken)."""
    table = model.__table__
    return sa.or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < (now or utcnow()))
