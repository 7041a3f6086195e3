"""Benchmark: the Employés sync of 10,000 employees from the MainTCP simulator.

``python bench/sync_employees.py [--employees N] [--database-url URL]`` syncs into an empty
database (every employee created and linked), then again into the fully linked database
(a full resync: every employee compared, nothing to write), and prints wall time, rows/s,
LIST round trips, peak RSS, and the ratio to a floor measured in the same run: the same pages
listed with the client, without matching, and their rows inserted with one ``executemany``.

It runs the sync service exactly as the RQ job does (same function, same commits per page),
without the queue in between. The simulator runs in a subprocess (see avantage_listing.py).
SQLite in a temporary file by default; ``--database-url postgresql+psycopg://…`` for PostgreSQL
(the database is emptied).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from avantage_listing import USER, peak_rss_mib
from portal_bench import portal_beside_simulator

from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import (
    Company,
    PartnerType,
    RecordLink,
    RemoteRecord,
    SyncRun,
    SyncSection,
    User,
)
from portal.services import integrations, runs
from portal.services.sync import run_section, section_sync

PAGE_SIZE = 500


def setup(url: str, simulator_port: int, password: str, key: str):
    """A company whose Avantage integration points at the simulator."""
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


def floor(port: int, password: str, key: str) -> dict:
    """The same pages listed with the client, their rows inserted with one executemany."""
    started = time.perf_counter()
    items, round_trips = _listed(port, password, key)
    listed = time.perf_counter()
    rows = [
        {
            "number": item["number"],
            "first_name": item["first_name"],
            "last_name": item["last_name"],
            "email": item["email"],
            "data": json.dumps(item),
        }
        for item in items
    ]
    table = sa.Table(
        "bench_floor",
        sa.MetaData(),
        sa.Column("number", sa.String(20)),
        sa.Column("first_name", sa.String(80)),
        sa.Column("last_name", sa.String(80)),
        sa.Column("email", sa.String(254)),
        sa.Column("data", sa.Text),
    )
    table.drop(db.engine, checkfirst=True)
    table.create(db.engine)
    with db.engine.begin() as connection:
        connection.execute(table.insert(), rows)
    seconds = time.perf_counter() - started
    table.drop(db.engine)
    return {"seconds": seconds, "list_seconds": listed - started, "round_trips": round_trips}


def same_rows_floor(port: int, password: str, key: str) -> float:
    """A second floor: the rows the sync ends up with (employee, cached record, link), one
    executemany per table into empty copies of the tables, with no matching at all."""
    started = time.perf_counter()
    items, _ = _listed(port, password, key)
    meta = sa.MetaData()
    copies = {
        table.name: table.to_metadata(meta, name=f"floor_{table.name}")
        for table in (User.__table__, RemoteRecord.__table__, RecordLink.__table__)
    }
    for copy in copies.values():
        for constraint in list(copy.constraints):
            if isinstance(constraint, sa.ForeignKeyConstraint):
                copy.constraints.discard(constraint)
            elif constraint.name:
                constraint.name = f"floor_{constraint.name}"  # names are per schema
        copy.indexes.clear()  # their names are taken by the real tables'
        copy.create(db.engine)
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        connection.execute(
            copies["user"].insert(),
            [
                {
                    "company_id": 1,
                    "email": f"{n}@floor.example",
                    "first_name": item["first_name"],
                    "last_name": item["last_name"],
                    "employee_number": item["number"].strip(),
                    "login_token": f"t{n}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, item in enumerate(items)
            ],
        )
        connection.execute(
            copies["remote_record"].insert(),
            [
                {
                    "company_id": 1,
                    "integration_id": 1,
                    "entity": "employees",
                    "key": item["number"],
                    "scope": "",
                    "data": item,
                    "seen_at": now,
                }
                for item in items
            ],
        )
        connection.execute(
            copies["record_link"].insert(),
            [
                {
                    "company_id": 1,
                    "integration_id": 1,
                    "entity": "employees",
                    "remote_key": item["number"],
                    "local_id": n,
                    "method": "created",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, item in enumerate(items)
            ],
        )
    seconds = time.perf_counter() - started
    for copy in copies.values():
        copy.drop(db.engine)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with portal_beside_simulator(args.database_url, args.employees) as bench:
        integration, admin = setup(bench.url, bench.port, bench.password, bench.key)
        rss_before = peak_rss_mib()
        empty = sync(integration, admin, bench.port, bench.password, bench.key, full=False)
        linked = sync(integration, admin, bench.port, bench.password, bench.key, full=True)
        base = floor(bench.port, bench.password, bench.key)
        rows_floor = same_rows_floor(bench.port, bench.password, bench.key)
    url = bench.url
    pages = math.ceil(args.employees / PAGE_SIZE)
    print(
        f"Employés sync of {args.employees:,} employees, {PAGE_SIZE} per page, encryption on, "
        f"database {url.split(':')[0]}"
    )
    for name, result in (("empty database", empty), ("fully linked", linked)):
        print(
            f"{name:>15}: {result['seconds']:.2f} s = {result['done'] / result['seconds']:,.0f}"
            f" rows/s; created {result['created']}, linked {result['linked']}, unchanged "
            f"{result['unchanged']}; {result['round_trips']} round trips for {pages} pages "
            f"(pages + {result['round_trips'] - pages}: the LOGIN); "
            f"ratio to floor {result['seconds'] / base['seconds']:.2f}x (target 3x)"
        )
    print(
        f"{'floor':>15}: {base['seconds']:.2f} s (listing {base['list_seconds']:.2f} s, "
        f"{base['round_trips']} round trips, then one executemany)"
    )
    print(
        f"{'same-rows floor':>15}: {rows_floor:.2f} s (listing, then the employee, cached "
        "record and link rows, one executemany per table); empty-database sync / this = "
        f"{empty['seconds'] / rows_floor:.2f}x"
    )
    print(
        f"{'peak RSS':>15}: {rss_before:.1f} MiB before the syncs, {peak_rss_mib():.1f} MiB after"
    )
    print(f"{'target':>15}: {args.employees:,} employees in under 5 s on 2 cores")


if __name__ == "__main__":
    main()
