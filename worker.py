"""Start an RQ worker bound to the portal: ``python worker.py [--burst]``.

Without ``REDIS_URL`` it attaches to the embedded Redis of ``instance/`` (the same one the web
process uses). Run as many as you like, on as many machines as share the Redis server.
"""

from __future__ import annotations

import argparse
import logging

from rq import Worker

from portal import create_app
from portal.extensions import queue


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--name", help="worker name (default: host and pid)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        worker = Worker([queue.queue], connection=queue.connection, name=args.name)
        worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")


if __name__ == "__main__":
    main()
