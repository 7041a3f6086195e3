"""Benchmark: list 100,000 employees from the MainTCP simulator over loopback.

Runs ``python bench/avantage_listing.py [--employees N] [--limit N] [--pairs N]`` and prints,
without and with encryption: records/s, round trips, the client's peak memory, and the
min / median / max of the per-pair ratio of the client to two floors, each run right after
the client: a pipelined raw reader (every LIST sent at once, the headline of issue 14) and a
request-response raw reader (each LIST sent after the previous answer). Both read the same
response bytes with recv without decrypting or decoding them.

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
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from portal.avantage import AvantageClient
from portal.avantage.cipher import FrameCipher, FrameCodec, PlainCodec
from portal.avantage.protocol import parse_greeting
from portal.avantage.simulator import SimulatorConfig, SimulatorServer

USER = "bench"
#: Pairs of (client, floors) runs, interleaved so that each ratio compares the same moment.
PAIRS = 7


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
    """Request-response raw reader: each LIST sent once the previous answer's line is in."""
    with _raw_session(port, password, key) as (sock, buffer, requests_of):
        requests = requests_of(limit, cursors)
        received = 0
        started = time.perf_counter()
        for request in requests:
            sock.sendall(request)
            received += len(_read_line(sock, buffer))
        return Run(time.perf_counter() - started, 0, len(requests), received)


def pipelined_floor(
    port: int, password: str, key: str | None, limit: int, cursors: list[str | None]
) -> Run:
    """Pipelined raw reader: every LIST sent at once (cursors known in advance), then read."""
    with _raw_session(port, password, key) as (sock, buffer, requests_of):
        requests = requests_of(limit, cursors)
        received = 0
        started = time.perf_counter()
        sock.sendall(b"".join(requests))
        for _ in requests:
            received += len(_read_line(sock, buffer))
        return Run(time.perf_counter() - started, 0, len(requests), received)


@contextmanager
def _raw_session(port: int, password: str, key: str | None) -> Iterator[tuple]:
    """A bare socket, greeted and logged in; yields it, its buffer and a request builder."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        greeting = parse_greeting(_read_line(sock, buffer))
        codec: FrameCodec = FrameCipher.for_client(key, greeting.salt) if key else PlainCodec()
        sock.sendall(codec.seal({"id": 1, "op": "LOGIN", "user": USER, "password": password}))
        _read_line(sock, buffer)

        def requests_of(limit: int, cursors: list[str | None]) -> list[bytes]:
            return [
                codec.seal(
                    {"id": 2 + n, "op": "LIST", "entity": "employees", "limit": limit, "cursor": c}
                )
                for n, c in enumerate(cursors[:-1])
            ]

        yield sock, buffer, requests_of


def _read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    start = 0
    while (index := buffer.find(b"\n", start)) < 0:
        start = len(buffer)
        buffer += sock.recv(262144)
    line = bytes(buffer[:index])
    del buffer[: index + 1]
    return line


FLOORS = {
    "pipelined": (
        pipelined_floor,
        "pipelined raw reader: a bare socket sends every LIST at once (the cursors are known "
        "from the client's run), then reads each answer line with recv; no decryption, no "
        "JSON decoding, no bounds, no waiting a round trip between pages. Not open to the "
        "client: AVTCP/1 does not promise answers to requests sent before the previous "
        "answer arrived, and each cursor comes from the previous page.",
    ),
    "request-response": (
        raw_floor,
        "request-response raw reader: the same bare socket sends each LIST once the previous "
        "answer's line is in; no decryption, no decoding, no bounds.",
    ),
}
#: The issue 14 targets: client / pipelined raw reader, median of the pairs.
TARGETS = {False: 1.3, True: 1.5}


def spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def bench(employees: int, limit: int, key: str | None, pairs: int) -> None:
    """Measure one server configuration, code and floors interleaved, and print its figures."""
    password = secrets.token_urlsafe(12)
    process, port = start_server(employees, key, password)
    try:
        cursors: list[str | None] = []
        client_listing(port, password, key, limit, cursors)  # warm-up, and the cursors
        rss_before = peak_rss_mib()
        runs: dict[str, list[Run]] = {"client": [], **{name: [] for name in FLOORS}}
        for pair in range(pairs):
            order = list(FLOORS) if pair % 2 == 0 else list(reversed(FLOORS))
            if pair % 2:
                order.append("client")
            else:
                order.insert(0, "client")
            for name in order:
                if name == "client":
                    runs[name].append(client_listing(port, password, key, limit, cursors))
                else:
                    runs[name].append(FLOORS[name][0](port, password, key, limit, cursors))
        rss_after = peak_rss_mib()
        tracemalloc.start()
        client_listing(port, password, key, limit, cursors)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    finally:
        process.terminate()
        process.wait(timeout=10)
    label = "crypto=on " if key else "crypto=off"
    client = runs["client"]
    seconds = [run.seconds for run in client]
    print(
        f"{label}: {client[0].records:,} records, {client[0].round_trips} LIST round trips; "
        f"client {spread(seconds)} s (min / median / max), "
        f"{client[0].records / statistics.median(seconds):,.0f} records/s at the median"
    )
    medians = {}
    for name, (_, description) in FLOORS.items():
        ratios = [
            run.seconds / floor.seconds for run, floor in zip(client, runs[name], strict=True)
        ]
        medians[name] = statistics.median(ratios)
        floor_seconds = [run.seconds for run in runs[name]]
        print(
            f"{'':10}  {name} floor {spread(floor_seconds)} s, "
            f"{runs[name][0].received_bytes / 2**20:.1f} MiB; "
            f"client / floor per pair {spread(ratios)}"
        )
        print(f"{'':12}({description})")
    print(
        f"{'':10}  peak RSS {rss_before:.1f} MiB before, {rss_after:.1f} MiB after; "
        f"tracemalloc peak during a listing {traced_peak:.2f} MiB; load {os.getloadavg()}"
    )
    from portal_bench import report_result  # here: portal_bench imports this module

    target = TARGETS[bool(key)]
    report_result(
        f"Listing {employees:,}, {'encrypted' if key else 'clear'}",
        statistics.median(seconds),
        unit="s",
        floor=statistics.median(run.seconds for run in runs["pipelined"]),
        ratio=medians["pipelined"],
        target=f"≤ {target}× the pipelined raw reader",
        met=medians["pipelined"] <= target,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=PAIRS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.employees)
        return
    print(
        f"Listing {options.employees:,} employees, {options.limit} per page, loopback, "
        f"simulator in a subprocess; {options.pairs} interleaved pairs (client, then both "
        f"floors, the order flipped every other pair); load {os.getloadavg()}."
    )
    bench(options.employees, options.limit, None, options.pairs)
    bench(options.employees, options.limit, secrets.token_urlsafe(12)[:16], options.pairs)


if __name__ == "__main__":
    main()
