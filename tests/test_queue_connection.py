"""One Redis client per app, however many threads ask for it first.

Two threads of a fresh gunicorn worker each made a client; the one left unreferenced closed
its connection pool when it went away, cutting the other thread's command (the load test's
sign-in storm failed on it once: ``'NoneType' object has no attribute 'readline'``).
"""

from __future__ import annotations

import sys
import threading

import pytest
from flask import Flask

from portal.queue import RedisQueue

THREADS = 8


@pytest.fixture
def eager_thread_switches():
    """Threads switch as often as the interpreter allows, so a race shows at once."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def clients_of_a_first_use(redis_queue: RedisQueue) -> list:
    """The client each of ``THREADS`` threads got, all asking at the same moment."""
    start = threading.Barrier(THREADS)
    clients = []

    def first_use():
        start.wait()
        clients.append(redis_queue.connection)

    threads = [threading.Thread(target=first_use) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients


@pytest.mark.usefixtures("eager_thread_switches")
def test_threads_asking_at_once_share_one_client():
    for _attempt in range(20):
        app = Flask(__name__)
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached: no command is sent
        redis_queue = RedisQueue()
        redis_queue.init_app(app)
        clients = clients_of_a_first_use(redis_queue)
        assert len(clients) == THREADS
        assert len({id(client) for client in clients}) == 1
