"""Start an RQ worker bound to the portal: ``python worker.py [--burst]``.

Without ``REDIS_URL`` it attaches to the embedded Redis of ``instance/`` (the same one the web
process uses). Run as many as you like, on as many machines as share the Redis server.

The process outlives Redis outages. RQ's own worker does not: it exits when Redis goes away
during a job, and its scheduler process dies at once (RQ restarts it only in its maintenance
run, ten minutes later). Here, the first Redis error ends RQ's work loop quietly; a job still
running is left to finish; Redis is polled (1 s doubling to 30 s, one log line per outage);
then a new RQ worker, with a new scheduler, starts.

Each worker also runs the reaper (``portal/jobs/reaper.py``) every REAPER_SECONDS: runs and
batches whose job died, or that the queue lost, move to a state the office can act on
without anybody opening their page.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Worker
from rq.exceptions import StopRequested

from portal import create_app
from portal.extensions import db, queue
from portal.jobs.reaper import Reaper

log = logging.getLogger("portal.worker")

#: What redis-py raises when the server cannot be reached (BusyLoadingError is one too).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
FIRST_WAIT, LONGEST_WAIT = 1.0, 30.0
#: RQ's maintenance (10 min by default) is also when a worker takes over the scheduler lock
#: of a killed one: without it, delayed retries would wait that long after a crash.
MAINTENANCE_SECONDS = 60
#: RQ keeps a worker registered for this + 60 s without a heartbeat (RQ's default, 420 s,
#: made it 8 min). The pages that tell whether a worker will pick a job up count the
#: registered ones: a SIGKILLed worker now stops counting within 90 s. An idle worker beats
#: every 15 s (this less 15).
WORKER_TTL = 30


class RedisLost(StopRequested):
    """Ends RQ's work loop, which breaks quietly on StopRequested, instead of retrying in place."""


class OutageQueue(Queue):
    """RQ's queue, whose blocking dequeue reports a lost Redis past RQ's own retry loop."""

    @classmethod
    def dequeue_any(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dequeue_any(*args, **kwargs)
        except REDIS_DOWN as error:
            raise RedisLost from error


class PortalWorker(Worker):
    """RQ's forking worker, whose work loop ends on the first Redis error (``redis_error``).

    RQ retries in place when idle (its scheduler being dead meanwhile) and crashes when busy;
    every step of its loop that talks to Redis is wrapped here instead.
    """

    queue_class = OutageQueue

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_error: Exception | None = None
        self.stop_requested = False

    @contextlib.contextmanager
    def _outage(self) -> Iterator[None]:
        try:
            yield
        except REDIS_DOWN as error:
            self.redis_error = self.redis_error or error
            raise RedisLost from error
        except RedisLost as lost:
            self.redis_error = self.redis_error or lost.__cause__
            raise

    def check_for_suspension(self, burst: bool) -> None:
        with self._outage():
            super().check_for_suspension(burst)

    def run_maintenance_tasks(self) -> None:
        with self._outage():
            super().run_maintenance_tasks()

    def dequeue_job_and_maintain_ttl(self, *args: Any, **kwargs: Any) -> Any:
        with self._outage():
            return super().dequeue_job_and_maintain_ttl(*args, **kwargs)

    def get_redis_server_version(self) -> Any:
        with self._outage():
            return super().get_redis_server_version()

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        with self._outage():
            super().heartbeat(*args, **kwargs)

    def execute_job(self, *args: Any, **kwargs: Any) -> None:
        with self._outage():
            super().execute_job(*args, **kwargs)

    def main_work_horse(self, *args: Any, **kwargs: Any) -> None:
        """The forked job process: its own database connections, never the parent's (the
        reaper thread uses those)."""
        db.engine.dispose(close=False)
        super().main_work_horse(*args, **kwargs)

    def request_stop(self, signum: int, frame: Any) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)

    def _pubsub_exception_handler(self, exc: Exception, *args: Any) -> None:
        """Retry quietly while Redis is down (RQ logs each attempt; the outage is logged once)."""
        if isinstance(exc, REDIS_DOWN):
            time.sleep(2)
        else:
            super()._pubsub_exception_handler(exc, *args)

    def teardown(self) -> None:
        """RQ's teardown; without Redis, only stop the scheduler and the pubsub thread here."""
        if self.redis_error is None:
            super().teardown()
            return
        if self.scheduler:
            self.stop_scheduler()
        if self.pubsub_thread:
            self.pubsub_thread.stop()
            self.pubsub_thread.join(timeout=1)
            self.pubsub.close()

    def forget(self) -> None:
        """Once Redis answers again: record this worker's death, free its scheduler's lock."""
        self.register_death()
        if self.scheduler:
            self.scheduler.release_locks()


def _stop(signum: int, frame: Any) -> None:
    raise StopRequested


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """Between two RQ workers, SIGTERM and SIGINT end the process (StopRequested is caught).

    RQ's handlers, still installed, belong to the worker that ended; the defaults come back
    for the next one's start-up, as RQ has them before its work loop.
    """
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        yield
    except StopRequested:
        raise SystemExit(0) from None
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)


class Supervisor:
    """Runs one PortalWorker after the other, for as long as each one ends by losing Redis."""

    def __init__(self, connection: Redis, queue_name: str, *, burst: bool, name: str | None):
        self.connection = connection
        self.queue_name = queue_name
        self.burst = burst
        self.name = name

    def run(self) -> None:
        """Work until stopped by SIGTERM or SIGINT (with ``burst``, until the queue is empty)."""
        while True:
            worker, error = self._work()
            if error is None:
                return
            with _stoppable():
                self._finish_job(worker)
                if worker is not None and worker.stop_requested:
                    return
                self._wait_for_redis(worker, error)

    def _work(self) -> tuple[PortalWorker | None, Exception | None]:
        """Run one RQ worker to its end; it, and the Redis error that ended it (or None)."""
        try:
            worker = PortalWorker(
                [self.queue_name],
                connection=self.connection,
                name=self.name,
                maintenance_interval=MAINTENANCE_SECONDS,
                worker_ttl=WORKER_TTL,
            )
        except REDIS_DOWN as error:
            return None, error
        try:
            worker.work(burst=self.burst, with_scheduler=True, logging_level="INFO")
        except REDIS_DOWN as error:  # RQ's start-up (registration, scheduler lock) is unguarded
            worker.redis_error = error
            worker.teardown()
        return worker, worker.redis_error

    @staticmethod
    def _finish_job(worker: PortalWorker | None) -> None:
        """Let the job left running end (its timeout still applies); a stop request kills it."""
        if worker is None or not worker.horse_pid:
            return
        log.info("Redis went away during a job: letting its process %s end", worker.horse_pid)
        try:
            worker.wait_for_horse()
        except StopRequested:
            worker.kill_horse()
            worker.wait_for_horse()
            raise

    def _wait_for_redis(self, worker: PortalWorker | None, error: Exception) -> None:
        """Poll Redis, 1 s doubling to 30 s apart, until it answers and ``worker`` is forgotten."""
        log.warning("Redis is unreachable (%s): waiting for it, then a new RQ worker starts", error)
        lost_at, delay = time.monotonic(), FIRST_WAIT
        while True:
            time.sleep(delay)
            delay = min(delay * 2, LONGEST_WAIT)
            try:
                self.connection.ping()
                if worker is not None:
                    worker.forget()
            except REDIS_DOWN:
                continue
            log.info("Redis answers again after %.0f s", time.monotonic() - lost_at)
            return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--name", help="worker name (default: a random one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context(), Reaper(app, app.config["REAPER_SECONDS"]):
        supervisor = Supervisor(
            queue.connection, queue.queue.name, burst=args.burst, name=args.name
        )
        supervisor.run()


if __name__ == "__main__":
    main()
