"""Benchmark: export 2,000 validated sheets (about 20,000 lines) to the MainTCP simulator.

``python bench/export_sheets.py [--sheets N] [--database-url URL]`` prepares a company whose
employees, project, activities, trade and hour type are linked to the simulator's, then times
the export exactly as the RQ job does it (preflight and batch creation, then GET_BATCH,
BEGIN_BATCH, ADD_LINES in chunks under the server's buffer, COMMIT_BATCH, freezing the
sheets), and prints wall time, lines/s, round trips, and the ratio to a floor measured in the
same run: the same lines sent raw over one connection (BEGIN, ADD_LINES, COMMIT with the
client), with no database at all. The simulator runs in a subprocess (see
avantage_listing.py).
"""

from __future__ import annotations

import argparse
import secrets
import time
from datetime import date, timedelta
from decimal import Decimal

from avantage_listing import USER, peak_rss_mib
from portal_bench import portal_beside_simulator

from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import (
    Activity,
    Company,
    ExportBatch,
    HourLine,
    HourType,
    LinkMethod,
    PartnerType,
    Project,
    RecordLink,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    Trade,
    User,
)
from portal.services import export_batch, export_run, integrations

#: Lines per sheet: five days, two lines of four hours each.
LINES_PER_SHEET = 10
EMPLOYEES = 100


def _link(integration, section: SyncSection, local_id: int, remote_key: str) -> None:
    db.session.add(
        RecordLink(
            company_id=integration.company_id,
            integration_id=integration.id,
            entity=section,
            remote_key=remote_key,
            local_id=local_id,
            method=LinkMethod.MANUAL,
        )
    )


def setup(port: int, password: str, key: str, sheets: int):
    """Linked reference data and ``sheets`` validated sheets."""
    db.drop_all()
    db.create_all()
    company = Company(name="Banc d'essai inc.")
    admin = User(company=company, email="admin@banc.example", first_name="A", last_name="B")
    trade = Trade(company=company, code="CHARP", name="Charpentier-menuisier")
    regular = HourType(company=company, code="REG", name="Régulier", is_regular=True)
    project = Project(company=company, number="24-101", name="Banc")
    activity = Activity(company=company, project=project, code="03-100", name="Coffrage")
    db.session.add_all([company, admin, trade, regular, project, activity])
    db.session.flush()
    integration = integrations.create_integration(
        company.id, admin, "AVANTAGE", PartnerType.AVANTAGE.value
    )
    integrations.save_access_point(
        company.id,
        admin,
        integration,
        integrations.AccessPointData(
            url=f"tcp://127.0.0.1:{port}", username=USER, password=password, encryption_key=key
        ),
        allow_private=True,
    )
    for section, local_id, remote in (
        (SyncSection.PROJECTS, project.id, "24-101"),
        (SyncSection.ACTIVITIES, activity.id, "24-101|03-100"),
        (SyncSection.TRADES, trade.id, "CHARP"),
        (SyncSection.HOUR_TYPES, regular.id, "REG"),
    ):
        _link(integration, section, local_id, remote)
    # Active employees keyed plainly in the simulator (no quirk, not inactive).
    numbers = [str(1000 + n) for n in range(1, 200) if n % 17 and n % 23 and n not in (31, 62, 93)][
        :EMPLOYEES
    ]
    crew = [
        User(
            company=company,
            email=f"{number}@banc.example",
            first_name="E",
            last_name=number,
            employee_number=number,
        )
        for number in numbers
    ]
    db.session.add_all(crew)
    db.session.flush()
    for employee in crew:
        _link(integration, SyncSection.EMPLOYEES, employee.id, employee.employee_number)
    monday = date(2026, 1, 5)
    for n in range(sheets):
        employee, week = crew[n % len(crew)], monday + timedelta(weeks=n // len(crew))
        sheet = Timesheet(
            company=company, employee=employee, week_start=week, status=TimesheetStatus.VALIDATED
        )
        for line in range(LINES_PER_SHEET):
            sheet.hour_lines.append(
                HourLine(
                    work_date=week + timedelta(days=line // 2),
                    project=project,
                    activity=activity,
                    trade=trade,
                    hours=Decimal("4.00"),
                )
            )
        db.session.add(sheet)
    db.session.commit()
    return integration, admin


def run_export(integration, admin, port: int, password: str, key: str) -> dict:
    started = time.perf_counter()
    sheets = list(db.session.scalars(db.select(Timesheet).order_by(Timesheet.id)))
    batch, _ = export_batch.create_batch(
        admin.company_id, admin, integration, sheets, confirm_resend=False
    )
    db.session.commit()
    planned = time.perf_counter()
    with AvantageClient("127.0.0.1", port, USER, password, key, timeout=60) as client:
        export_run.send(batch, client)
        db.session.commit()
        round_trips = client.round_trips
    seconds = time.perf_counter() - started
    batch = db.session.get(ExportBatch, batch.id)
    return {
        "seconds": seconds,
        "plan_seconds": planned - started,
        "lines": batch.line_count,
        "status": batch.status.value,
        "round_trips": round_trips,
        "payloads": [line.payload for line in batch.lines],
    }


def floor(payloads: list[dict], port: int, password: str, key: str) -> dict:
    """The same lines, raw, over one connection: no planning, no database."""
    started = time.perf_counter()
    with AvantageClient("127.0.0.1", port, USER, password, key, timeout=60) as client:
        batch_key = f"floor-{secrets.token_hex(8)}"
        client.begin_batch(batch_key)
        client.add_lines(batch_key, payloads)
        result = client.commit_batch(batch_key)
        round_trips = client.round_trips
    return {
        "seconds": time.perf_counter() - started,
        "round_trips": round_trips,
        "state": result.state,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with portal_beside_simulator(args.database_url, EMPLOYEES * 2) as bench:
        integration, admin = setup(bench.port, bench.password, bench.key, args.sheets)
        rss_before = peak_rss_mib()
        result = run_export(integration, admin, bench.port, bench.password, bench.key)
        base = floor(result["payloads"], bench.port, bench.password, bench.key)
    url = bench.url
    lines = result["lines"]
    print(
        f"Export of {args.sheets:,} sheets = {lines:,} lines, encryption on, database "
        f"{url.split(':')[0]}: batch {result['status']}"
    )
    print(
        f"{'export':>8}: {result['seconds']:.2f} s = {lines / result['seconds']:,.0f} lines/s "
        f"(preflight and batch {result['plan_seconds']:.2f} s); {result['round_trips']} round "
        f"trips; ratio to floor {result['seconds'] / base['seconds']:.2f}x (target 2x)"
    )
    send = result["seconds"] - result["plan_seconds"]
    print(
        f"{'sending':>8}: {send:.2f} s of it (GET, BEGIN, ADD_LINES, COMMIT, recording and "
        f"freezing the sheets): {send / base['seconds']:.2f}x the floor"
    )
    print(
        f"{'floor':>8}: {base['seconds']:.2f} s = {lines / base['seconds']:,.0f} lines/s; "
        f"{base['round_trips']} round trips; batch {base['state']}"
    )
    print(f"{'RSS':>8}: {rss_before:.1f} MiB before the export, {peak_rss_mib():.1f} MiB peak")
    print(f"{'target':>8}: under 10 s on 2 cores, within 2x of the floor")


if __name__ == "__main__":
    main()
