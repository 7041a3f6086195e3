"""Benchmark: the Employés sync from the MainTCP simulator into an empty company, at 1x, 4x, 10x.

``python bench/sync_employees.py [--employees 10000] [--scales 1,4,10] [--pairs 7]
[--database-url URL]`` runs, at each size, interleaved pairs of an empty-database sync and
the same-rows floor (the rows the sync ended up with, one bulk insert per table), and prints
min / median / max of the sync time, of the time per 1,000 employees (linear: the same at
every size) and of the per-pair ratio to the floor, then one fully linked resync.

It runs the sync service exactly as the RQ job does (same function, same commits per page),
without the queue in between. The simulator runs in a subprocess (see avantage_listing.py).
SQLite in a temporary file by default; ``--database-url postgresql+psycopg://…`` for PostgreSQL
(the database is emptied).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import sqlalchemy as sa
from avantage_listing import USER, peak_rss_mib
from portal_bench import load_average, portal_beside_simulator, report_result

from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import (
    Company,
    PartnerType,
    RecordLink,
    RemoteRecord,
    SyncRun,
    SyncRunNote,
    SyncSection,
    User,
)
from portal.services import integrations, runs
from portal.services.bulk_insert import insert_rows
from portal.services.sync import PAGE_SIZE, run_section, section_sync


def setup(url: str, simulator_port: int, password: str, key: str):
    """A company whose Avantage integration points at the simulator (in an emptied database)."""
    db.session.remove()  # the last pair's reads hold locks that DROP TABLE would wait for
    db.drop_all()
    db.create_all()
    company = Company(name="Banc d'essai inc.")
    admin = User(
        company=company,
        email="admin@banc.example",
        first_name="A",
        last_name="B",
        employee_number="ADMIN",
    )
    db.session.add_all([company, admin])
    db.session.flush()
    integration = integrations.create_integration(
        company.id, admin, "AVANTAGE", PartnerType.AVANTAGE.value
    )
    integrations.save_access_point(
        company.id,
        admin,
        integration,
        integrations.AccessPointData(
            url=f"tcp://127.0.0.1:{simulator_port}",
            username=USER,
            password=password,
            encryption_key=key,
        ),
        allow_private=True,
    )
    db.session.commit()
    return integration, admin


def sync(integration, admin, port: int, password: str, key: str, *, full: bool) -> dict:
    """One Employés run through the service; returns its figures."""
    run, _ = runs.open_run(integration, SyncSection.EMPLOYEES, admin, full=full, preview=False)
    started = time.perf_counter()
    with AvantageClient("127.0.0.1", port, USER, password, key, timeout=60) as client:
        runs.mark_started(run, client.server_time)
        run_section(run, client, section_sync(SyncSection.EMPLOYEES), page_size=PAGE_SIZE)
        runs.finish(run)
        db.session.commit()
        round_trips = client.round_trips
    seconds = time.perf_counter() - started
    run = db.session.get(SyncRun, run.id)
    return {
        "seconds": seconds,
        "done": run.done,
        "created": run.created,
        "linked": run.linked,
        "unchanged": run.unchanged,
        "round_trips": round_trips,
    }


def _listed(port: int, password: str, key: str) -> tuple[list[dict], int]:
    with AvantageClient("127.0.0.1", port, USER, password, key, timeout=60) as client:
        items = [
            item for page in client.list_pages("employees", limit=PAGE_SIZE) for item in page.items
        ]
        return items, client.round_trips


#: The tables an Employés sync writes rows in: the people, Avantage's cached records, the
#: links, and the run's notes (a line of its details per person created or linked).
WRITTEN = (User.__table__, RemoteRecord.__table__, RecordLink.__table__, SyncRunNote.__table__)


def written_rows(company_id: int) -> dict[str, list[dict]]:
    """Every row the sync wrote for ``company_id``, all columns, as the floor writes them."""
    return {
        table.name: [
            dict(row)
            for row in db.session.execute(
                sa.select(table).where(table.c.company_id == company_id)
            ).mappings()
        ]
        for table in WRITTEN
    }


def _empty_copies() -> list[sa.Table]:
    """Empty copies of the written tables, with the same indexes, unique constraints and
    foreign keys (to the real tables), under other names (names are per schema)."""
    copies = []
    for table in WRITTEN:
        copy = table.to_metadata(db.metadata, name=f"floor_{table.name}")
        for item in (*copy.constraints, *copy.indexes):
            if item.name:
                item.name = f"floor_{item.name}"
        copy.drop(db.engine, checkfirst=True)  # left by an interrupted run
        copy.create(db.engine)
        copies.append(copy)
    return copies


def same_rows_floor(port: int, password: str, key: str, rows: dict[str, list[dict]]) -> float:
    """The floor: the same pages listed with the client, then exactly the rows the sync
    ended up with (``rows``: every column, values already computed) written with one bulk
    insert per table (COPY on PostgreSQL) into empty copies of the tables, in one
    transaction. No matching, no derived values, no run counters, one commit."""
    copies = _empty_copies()
    started = time.perf_counter()
    _listed(port, password, key)
    for table, copy in zip(WRITTEN, copies, strict=True):
        insert_rows(copy, rows[table.name])
    db.session.commit()
    seconds = time.perf_counter() - started
    for copy in reversed(copies):
        copy.drop(db.engine)
        db.metadata.remove(copy)
    return seconds


def _spread(values: list[float]) -> str:
    return f"min {min(values):.2f} / median {statistics.median(values):.2f} / max {max(values):.2f}"


def measure_scale(employees: int, pairs: int, database_url: str | None) -> dict:
    """``pairs`` interleaved pairs at one size: an empty-database sync, then the same-rows
    floor, same moment, same machine; then one fully linked resync (shown, not paired)."""
    syncs, floors = [], []
    with portal_beside_simulator(database_url, employees) as bench:
        for _ in range(pairs):
            integration, admin = setup(bench.url, bench.port, bench.password, bench.key)
            syncs.append(
                sync(integration, admin, bench.port, bench.password, bench.key, full=False)
            )
            rows = written_rows(integration.company_id)
            floors.append(same_rows_floor(bench.port, bench.password, bench.key, rows))
        linked = sync(integration, admin, bench.port, bench.password, bench.key, full=True)
        url = bench.url
    seconds = [result["seconds"] for result in syncs]
    return {
        "employees": employees,
        "database": url.split(":")[0],
        "seconds": seconds,
        "floors": floors,
        "ratios": [sync_s / floor_s for sync_s, floor_s in zip(seconds, floors, strict=True)],
        "per_1000": [1000 * value / employees for value in seconds],
        "last": syncs[-1],
        "linked": linked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000, help="the 1x size")
    parser.add_argument(
        "--scales", default="1,4,10", help="multiples of --employees to run (e.g. 1 or 1,4)"
    )
    parser.add_argument("--pairs", type=int, default=7, help="interleaved pairs per size")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scales = [int(scale) for scale in args.scales.split(",")]
    print(
        f"Employés sync into an empty company, {PAGE_SIZE} per page, encryption on; "
        f"{args.pairs} interleaved pairs per size; load average {load_average()}"
    )
    print(
        "same-rows floor: the same pages listed with the client, then exactly the rows the "
        "sync ended up with (employees, cached records, links, the run's notes; every "
        "column, values already computed) written with one bulk insert per table (COPY on "
        "PostgreSQL) into empty copies with the same indexes and foreign keys, one commit; "
        "it leaves out matching, derived values (sort and match keys, placeholders), e-mail "
        "checks, run counters and the commit per page."
    )
    results = [
        measure_scale(args.employees * scale, args.pairs, args.database_url) for scale in scales
    ]
    base = statistics.median(results[0]["per_1000"])
    for scale, result in zip(scales, results, strict=True):
        employees, last, linked = result["employees"], result["last"], result["linked"]
        pages = math.ceil(employees / PAGE_SIZE)
        per_1000 = statistics.median(result["per_1000"])
        print(f"\n{scale}x = {employees:,} employees, database {result['database']}")
        print(f"  sync s           : {_spread(result['seconds'])}")
        print(f"  s per 1,000      : {_spread(result['per_1000'])} ({per_1000 / base:.2f}x the 1x)")
        print(f"  same-rows floor s: {_spread(result['floors'])}")
        print(f"  sync / floor     : {_spread(result['ratios'])} (target 1.5x)")
        print(
            f"  last run         : created {last['created']}, unchanged {last['unchanged']}; "
            f"{last['round_trips']} round trips for {pages} pages (pages + 1: the LOGIN)"
        )
        print(f"  fully linked     : {linked['seconds']:.2f} s resync, nothing to write")
        ratio = statistics.median(result["ratios"])
        report_result(
            f"Employés sync {employees:,}, empty, {result['database']}",
            statistics.median(result["seconds"]),
            unit="s",
            floor=statistics.median(result["floors"]),
            ratio=ratio,
            target="≤ 1.5× the same-rows floor",
            met=ratio <= 1.5,
        )
        if scale != scales[0]:
            report_result(
                f"Employés sync s per 1,000 at {scale}x / at {scales[0]}x, {result['database']}",
                per_1000 / base,
                ratio=per_1000 / base,
                target="≤ 1.3 (linear)",
                met=per_1000 / base <= 1.3,
            )
    print(f"\npeak RSS {peak_rss_mib():.1f} MiB; load average {load_average()}")


if __name__ == "__main__":
    main()
