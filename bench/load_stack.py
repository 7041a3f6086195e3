"""The processes of the load test (``load.py``): started, awaited and stopped with their forks.

Kept apart from ``load.py`` so it imports nothing that gevent patches.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
#: The README's production command (section Production): its options are what is measured.
README_COMMAND = re.compile(r"`gunicorn (?P<options>[^`]*?) --bind \S+ 'portal:create_app\(\)'`")


def gunicorn_options(args: argparse.Namespace) -> str:
    """The README's gunicorn options, with the values given on the command line instead."""
    found = README_COMMAND.search((HERE.parent / "README.md").read_text())
    if found is None:
        raise SystemExit("README.md : commande gunicorn introuvable (section Production).")
    words = found.group("options").split()
    for option in ("--workers", "--threads", "--keep-alive"):
        value = getattr(args, option.removeprefix("--").replace("-", "_"))
        if value is None:
            continue
        if option in words:
            words[words.index(option) + 1] = value
        else:
            words += [option, value]
    return " ".join(words)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    """Until something listens on ``port``; exit if ``process`` ends first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} s'est arrêté (code {process.returncode}).")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} n'écoute pas sur le port {port}.")


def start(stack: ExitStack, command: list[str], log: Path, env: dict | None = None):
    """Start ``command`` (output to ``log``); the stack terminates it, kills it after 10 s, and
    kills what it forked and left (an RQ worker's scheduler and work horse, gunicorn's workers)."""
    out = log.open("w")
    process = subprocess.Popen(
        command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=HERE.parent
    )

    def stop() -> None:
        try:
            family = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        out.close()

    stack.callback(stop)
    return process
