"""Benchmark: list 100,000 employees from the MainTCP simulator over loopback.

Runs ``python bench/avantage_listing.py [--employees N] [--limit N]`` and prints, without
and with encryption: records/s, round trips, the client's peak memory, and the ratio to a
floor measured in the same run (a raw socket sending the same LIST requests and reading
the same response bytes with recv, without decrypting or decoding them).

The simulator runs in a subprocess, not a thread: in a thread it would share the GIL with
the client (every server encode would stall the client's decode and vice versa) and its
100,000-record data set would count in the client's peak RSS. In its own process the
figures are the client's alone, as they will be in the portal's worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from portal.avantage import AvantageClient
from portal.avantage.cipher import FrameCipher, FrameCodec, PlainCodec
from portal.avantage.protocol import parse_greeting
from portal.avantage.simulator import SimulatorConfig, SimulatorServer

USER = "bench"
#: Each measurement is repeated; the best run is kept (the least disturbed by the machine).
REPEATS = 5


@dataclass
class Run:
    """One timed listing."""

    seconds: float
    records: int
    round_trips: int
    received_bytes: int = 0


def serve(employees: int) -> None:
    """Subprocess mode: run the simulator and print its port on the first line."""
    config = SimulatorConfig(
        user=USER,
        password=os.environ["BENCH_PASSWORD"],
        key=os.environ.get("BENCH_KEY") or None,
        employees=employees,
        port=0,
        max_sessions=4,
    )
    SimulatorServer(config).serve_forever(on_ready=lambda address: print(address[1], flush=True))


def start_server(employees: int, key: str | None, password: str) -> tuple[subprocess.Popen, int]:
    """Start the simulator subprocess (secrets in its environment) and wait until it listens."""
    command = [sys.executable, __file__, "--serve", "--employees", str(employees)]
    env = {**os.environ, "BENCH_PASSWORD": password, "BENCH_KEY": key or ""}
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client_listing(
    port: int, password: str, key: str | None, limit: int, cursors: list[str | None]
) -> Run:
    """List every employee through AvantageClient, keeping the cursors for the floor run."""
    with AvantageClient("127.0.0.1", port, USER, password, key, timeout=30) as client:
        before = client.round_trips
        started = time.perf_counter()
        records = 0
        cursors[:] = [None]
        for page in client.list_pages("employees", limit=limit):
            records += len(page.items)
            cursors.append(page.next_cursor)
        seconds = time.perf_counter() - started
        return Run(seconds, records, client.round_trips - before)


def raw_floor(
    port: int, password: str, key: str | None, limit: int, cursors: list[str | None]
) -> Run:
    """The same LIST requests on a bare socket; responses read with recv, never decoded."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        greeting = parse_greeting(_read_line(sock, buffer))
        codec: FrameCodec = FrameCipher.for_client(key, greeting.salt) if key else PlainCodec()
        sock.sendall(codec.seal({"id": 1, "op": "LOGIN", "user": USER, "password": password}))
        _read_line(sock, buffer)
        requests = [
            codec.seal(
                {
                    "id": 2 + index,
                    "op": "LIST",
                    "entity": "employees",
                    "limit": limit,
                    "cursor": cursor,
                }
            )
            for index, cursor in enumerate(cursors[:-1])
        ]
        received = 0
        started = time.perf_counter()
        for request in requests:
            sock.sendall(request)
            received += len(_read_line(sock, buffer))
        return Run(time.perf_counter() - started, 0, len(requests), received)


def _read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    start = 0
    while (index := buffer.find(b"\n", start)) < 0:
        start = len(buffer)
        buffer += sock.recv(262144)
    line = bytes(buffer[:index])
    del buffer[: index + 1]
    return line


def best(measure: Callable[[], Run]) -> Run:
    """The fastest of REPEATS runs."""
    return min((measure() for _ in range(REPEATS)), key=lambda run: run.seconds)


def bench(employees: int, limit: int, key: str | None) -> None:
    """Measure one server configuration and print its figures."""
    password = secrets.token_urlsafe(12)
    process, port = start_server(employees, key, password)
    try:
        cursors: list[str | None] = []
        rss_before = peak_rss_mib()
        client = best(lambda: client_listing(port, password, key, limit, cursors))
        rss_after = peak_rss_mib()
        floor = best(lambda: raw_floor(port, password, key, limit, cursors))
        tracemalloc.start()
        client_listing(port, password, key, limit, cursors)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    finally:
        process.terminate()
        process.wait(timeout=10)
    label = "crypto=on " if key else "crypto=off"
    ratio = client.seconds / floor.seconds
    print(
        f"{label}: {client.records:,} records in {client.seconds:.3f} s = "
        f"{client.records / client.seconds:,.0f} records/s, {client.round_trips} LIST round trips"
    )
    print(
        f"{'':10}  raw floor: {floor.received_bytes / 2**20:.1f} MiB in {floor.seconds:.3f} s "
        f"({floor.round_trips} requests); client / floor = {ratio:.2f}x "
        f"(target {'2' if key else '1.5'}x)"
    )
    print(
        f"{'':10}  peak RSS {rss_before:.1f} MiB before, {rss_after:.1f} MiB after; "
        f"tracemalloc peak during a listing {traced_peak:.2f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.employees)
        return
    print(
        f"Listing {options.employees:,} employees, {options.limit} per page, loopback, "
        f"simulator in a subprocess; best of {REPEATS} runs."
    )
    bench(options.employees, options.limit, None)
    bench(options.employees, options.limit, secrets.token_urlsafe(12)[:16])


if __name__ == "__main__":
    main()
