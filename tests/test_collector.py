"""The collector's threshold is raised only while bulk work runs, and comes back after it."""

from __future__ import annotations

import gc
import threading

import pytest

from portal.services import collector


def test_bulk_work_raises_the_threshold_and_puts_it_back_even_on_error():
    default = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.bulk_work():
        assert gc.get_threshold()[0] == collector.BULK_THRESHOLD
        assert gc.get_threshold()[1:] == default[1:]
        raise RuntimeError("a failed page")
    assert gc.get_threshold() == default


def test_overlapping_jobs_leave_the_default_once_the_last_ends():
    """Two jobs in one process, the first ending before the second: no early restore, and
    no raised threshold left behind (which saving and restoring per job would do)."""
    default = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector.bulk_work():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector.bulk_work():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.get_threshold()[0]

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": collector.BULK_THRESHOLD}
    assert gc.get_threshold() == default
