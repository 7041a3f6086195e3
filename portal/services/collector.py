"""Fewer garbage collections while a job builds tens of thousands of rows.

Python's collector runs a young-generation pass every 700 new container objects (dicts,
lists). A sync page makes several per record and keeps them until the page is written, so the
passes kept walking the same live rows. Inside :func:`bulk_work` (a sync run, an export
batch's creation and its sending) the first threshold is raised; the collector still runs,
less often. Measured in same-process pairs: a 10,000-person Employés sync 12 % faster on
SQLite, 4 % on PostgreSQL; a 20,000-line export 3 % and 9 %. The threshold is process-wide:
the first job in and the last out decide, so jobs that overlap in one process (threads, the
web's batch creation) leave the default behind them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: New container objects between two young-generation passes inside :func:`bulk_work`.
BULK_THRESHOLD = 20_000

_lock = threading.Lock()
_inside = 0
_default: tuple[int, ...] = gc.get_threshold()


@contextmanager
def bulk_work() -> Iterator[None]:
    """Run the block with the raised threshold; the default is back once every block ends."""
    global _inside, _default
    with _lock:
        if _inside == 0:
            _default = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _default[0]), *_default[1:])
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_default)
