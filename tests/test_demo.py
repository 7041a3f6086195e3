"""`make demo` (scripts/run_demo.py) stops every process it started, however it is stopped.

Ctrl-C, a supervisor's SIGTERM (to the script or to its whole process group) and a closed
terminal's SIGHUP all end the simulator, the worker, gunicorn and its workers and the embedded
redis-server, wherever PORTAL_INSTANCE_PATH puts the instance folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

#: The demo's database is its own SQLite file: a PostgreSQL run would only run these again.
pytestmark = pytest.mark.own_database

ROOT = Path(__file__).resolve().parent.parent
#: The first start migrates and loads the demo data; a loaded 2-core machine needs time.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0
#: What the demo's output says once RQ's worker listens and its scheduler process runs.
WORKER_READY = ("*** Listening on", "Scheduler for ")


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now (bound together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def alive(process: psutil.Process) -> bool:
    """Still running: neither gone (nor its pid reused) nor a zombie waiting to be reaped."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def mentions(process: psutil.Process, folder: Path) -> bool:
    """True when ``process`` names ``folder`` on its command line or runs inside it."""
    try:
        return str(folder) in " ".join(process.cmdline()) or Path(process.cwd()).is_relative_to(
            folder
        )
    except psutil.Error:  # gone meanwhile, or not ours to inspect
        return False


def session(process: psutil.Process) -> int | None:
    """The id of the session ``process`` belongs to (None once it is gone)."""
    try:
        return os.getsid(process.pid)
    except OSError:
        return None


def describe(processes: list[psutil.Process]) -> list[str]:
    """Each process as ``pid command line``, for the failure message."""
    lines = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            lines.append(f"{process.pid} {' '.join(process.cmdline())}")
    return lines


@dataclass
class Demo:
    """A running ``run_demo.py``, leader of its own process group, and what it started."""

    process: subprocess.Popen
    instance: Path
    url: str
    log: Path
    recorded: list[psutil.Process] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def of_the_instance(self) -> list[psutil.Process]:
        """Every running process that names the instance folder or runs inside it."""
        return [p for p in psutil.process_iter() if alive(p) and mentions(p, self.instance)]

    def of_the_session(self) -> list[psutil.Process]:
        """Every running process of the demo's session: all it starts, unless they leave it."""
        return [p for p in psutil.process_iter() if alive(p) and session(p) == self.process.pid]

    def left(self) -> list[psutil.Process]:
        """What is still running: recorded processes, and any of the session or the instance."""
        left = {p.pid: p for p in self.recorded if alive(p)}
        left.update((p.pid, p) for p in self.of_the_session() + self.of_the_instance())
        return list(left.values())

    def wait_until_up(self) -> None:
        """Poll (bounded) until the web answers and the worker and its scheduler run."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the demo ended early:\n{self.output()}"
            if all(line in self.output() for line in WORKER_READY) and self._answers():
                return
            time.sleep(0.25)
        pytest.fail(f"the demo did not start within {START_TIMEOUT:.0f} s:\n{self.output()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/connexion", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """The demo on free ports and a temporary instance folder; whatever it leaves is killed."""
    instance = tmp_path / "inst"
    port, avantage_port = free_ports(2)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "DATABASE_URL", "PORT", "AVANTAGE_SIM_PORT"}
    }
    env["PORTAL_INSTANCE_PATH"] = str(instance)
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "run_demo.py"),
                "--port",
                str(port),
                "--avantage-port",
                str(avantage_port),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Demo(process, instance, f"http://127.0.0.1:{port}", log)
    try:
        yield running
    finally:
        if process.poll() is None:  # not reaped yet: its group is surely the demo's
            os.killpg(process.pid, signal.SIGKILL)
        for leftover in running.left():
            with contextlib.suppress(psutil.Error):
                leftover.kill()
        process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "to_group"),
    [
        pytest.param(signal.SIGINT, True, id="ctrl-c-to-the-group"),
        pytest.param(signal.SIGTERM, False, id="sigterm-to-the-script"),
        pytest.param(signal.SIGTERM, True, id="sigterm-to-the-group"),
        pytest.param(signal.SIGHUP, True, id="hangup-of-the-group"),
    ],
)
def test_stopping_the_demo_stops_everything_it_started(
    demo: Demo, signum: signal.Signals, to_group: bool
) -> None:
    demo.wait_until_up()
    demo.recorded = [
        *psutil.Process(demo.process.pid).children(recursive=True),
        *demo.of_the_instance(),
    ]
    commands = "\n".join(describe(demo.recorded))
    assert "redis-server" in commands, commands

    if to_group:
        os.killpg(demo.process.pid, signum)
    else:
        demo.process.send_signal(signum)
    try:
        demo.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo did not stop within {STOP_TIMEOUT:.0f} s:\n{demo.output()}")

    assert describe(demo.left()) == [], demo.output()
    assert f"--state {demo.instance / 'avantage-simulator.json'}" in commands, commands


#: A parent that answers SIGTERM by starting a child and staying, as gunicorn's master starts
#: new workers on a SIGHUP that comes with the demo's own stop.
RESPAWNING_PARENT = """
import signal, subprocess, sys, time
children = []
def respawn(*_):
    children.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]))
signal.signal(signal.SIGTERM, respawn)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


def test_a_forced_stop_kills_the_children_started_after_the_processes_were_listed():
    spec = importlib.util.spec_from_file_location("run_demo", ROOT / "scripts" / "run_demo.py")
    run_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_demo)
    parent = subprocess.Popen(
        [sys.executable, "-c", RESPAWNING_PARENT], stdout=subprocess.PIPE, text=True
    )
    children: list[psutil.Process] = []
    try:
        assert parent.stdout.readline() == "ready\n"
        listed = [psutil.Process(parent.pid)]  # before its child exists
        parent.terminate()
        deadline = time.monotonic() + 10
        while not (children := listed[0].children()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "the parent started no child on SIGTERM"
        run_demo.end(listed, grace=0.2)
        _, left = psutil.wait_procs(children, timeout=10)
        assert left == [], describe(left)
        assert parent.wait(timeout=10) == -signal.SIGKILL
    finally:
        for process in children:  # what a failed check left
            with contextlib.suppress(psutil.Error):
                process.kill()
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()
