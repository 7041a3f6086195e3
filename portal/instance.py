"""The instance folder and the files the embedded defaults keep there, readable by their owner only.

It holds the SQLite database, the embedded Redis's dump and the secret key: nobody else on
the machine may read them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

#: The folder is private to the portal's user; so is every file the portal creates in it.
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def prepare_folder(path: Path) -> None:
    """Create the instance folder owner-only, and tighten it when it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if path.stat().st_mode & 0o077:
        path.chmod(FOLDER_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if missing, else take away others' access.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    if path.stat().st_mode & 0o077:
        path.chmod(FILE_MODE)


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created meanwhile (also by child processes started now) are owner-only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
