"""Start the portal's scheduler: ``python scheduler.py``.

It is RQ's own ``CronScheduler``, with two jobs registered, enqueued every minute for a worker
to run: ``portal.jobs.run_due_schedules`` fires each synchronisation whose schedule is due
(``portal/services/schedules.py``); ``portal.jobs.run_notifications`` tells the Superadmins
(and a batch's sender) of failed scheduled runs and rejected batches, in the portal and by
e-mail (``portal/services/notifications.py``); and every night
``portal.jobs.run_daily_reconciliation`` compares the batches of the last weeks with what
Avantage holds (``portal/services/reconciliation.py``). The schedules themselves live in the
database, so nothing is lost when this process, a worker or Redis restarts.

One scheduler is enough; two (on two machines, say) are safe: each enqueues the job, and each
due schedule is claimed by exactly one of the jobs. Without ``REDIS_URL`` it attaches to the
embedded Redis of ``instance/``, like ``worker.py``. While Redis is unreachable it waits for
it (1 s doubling to 30 s), then starts again.
"""

from __future__ import annotations

import logging
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.cron import CronScheduler

from portal import create_app
from portal.extensions import queue
from portal.jobs import run_daily_reconciliation, run_due_schedules, run_notifications

log = logging.getLogger("portal.scheduler")

#: Every minute: a daily schedule at 06:00 starts within the minute.
EVERY_MINUTE = "* * * * *"
#: 07:00 UTC, 02:00 or 03:00 in Québec: the daily Rapprochement of the last weeks' batches.
EVERY_NIGHT = "0 7 * * *"
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
FIRST_WAIT, LONGEST_WAIT = 1.0, 30.0


def cron_scheduler(connection: Redis, queue_name: str) -> CronScheduler:
    """RQ's CronScheduler with the portal's one job."""
    scheduler = CronScheduler(connection=connection)
    # The jobs' results are counts, of no use once logged: they are not kept.
    scheduler.register(run_due_schedules, queue_name, cron=EVERY_MINUTE, result_ttl=0)
    scheduler.register(run_notifications, queue_name, cron=EVERY_MINUTE, result_ttl=0)
    scheduler.register(run_daily_reconciliation, queue_name, cron=EVERY_NIGHT, result_ttl=0)
    return scheduler


def _wait_for(connection: Redis, error: Exception) -> None:
    log.warning("Redis is unreachable (%s): waiting for it", error)
    delay = FIRST_WAIT
    while True:
        time.sleep(delay)
        delay = min(delay * 2, LONGEST_WAIT)
        try:
            connection.ping()
            return
        except REDIS_DOWN:
            continue


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        connection, queue_name = queue.connection, queue.queue.name
        while True:
            try:
                cron_scheduler(connection, queue_name).start()  # returns on SIGTERM / SIGINT
                return
            except REDIS_DOWN as error:
                _wait_for(connection, error)


if __name__ == "__main__":
    main()
