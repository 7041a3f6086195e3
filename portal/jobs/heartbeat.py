"""The heartbeat of a running job: its lease renewed every few seconds from a thread.

Renewing from a thread, not between pages or chunks, keeps a slow but healthy Avantage
(one answer in 9 s) from looking like a dead worker; only a stopped process stops beating.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import AccessPoint
from portal.services import avantage_access
from portal.services.leases import Lease

log = logging.getLogger(__name__)


class Heartbeat:
    """Renew ``lease`` every ``interval`` seconds until stopped or the lease is lost."""

    def __init__(self, app: Flask, lease: Lease, interval: float) -> None:
        self.app, self.lease, self.interval = app, lease, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{lease.row_id}", daemon=True
        )

    def _run(self) -> None:
        with self.app.app_context():  # its own session and connection
            try:
                while not self._stop.wait(self.interval):
                    try:
                        if not self.lease.renew():
                            log.warning(
                                "lease on %s %s taken by another job",
                                self.lease.model.__name__,
                                self.lease.row_id,
                            )
                            return
                    except SQLAlchemyError:
                        # The database is unreachable for now: try again at the next beat;
                        # if it stays away, the lease expires and the reaper takes over.
                        log.exception("cannot renew the lease on %s", self.lease.row_id)
                        db.session.rollback()
            finally:
                db.session.remove()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 30)


@contextlib.contextmanager
def connected(app: Flask, lease: Lease, point: AccessPoint) -> Iterator[AvantageClient]:
    """A client logged in to ``point``, while a heartbeat renews ``lease``."""
    config = app.config
    with Heartbeat(app, lease, config["HEARTBEAT_SECONDS"]):
        client = avantage_access.open_client(point, retries=config.get("SYNC_CLIENT_RETRIES", 3))
        with client:
            yield client
