"""Jobs that tests queue for a real worker.py process, which imports them from the repo root.

Each records what happened as files in ``folder``, where the test reads them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def hold(folder: str) -> None:
    """Write ``started`` (the horse pid), wait for ``release`` (60 s at most), then ``finished``."""
    folder_path = Path(folder)
    (folder_path / "started").write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while not (folder_path / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    (folder_path / "finished").write_text("1")


def fail_once(folder: str) -> None:
    """Count the attempts in ``attempts``; the first one fails (to be retried), later ones pass."""
    attempts = Path(folder) / "attempts"
    done = int(attempts.read_text()) if attempts.exists() else 0
    attempts.write_text(str(done + 1))
    if done == 0:
        raise RuntimeError("first attempt fails on purpose")
