"""The two floors of bench/export_sheets.py: the same database work done by hand and in bulk
plus sending, and the sending alone."""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa
from avantage_listing import USER

from portal.avantage import AvantageClient
from portal.extensions import db
from portal.models import (
    ExportBatch,
    ExportLine,
    HourLine,
    HourType,
    Integration,
    RecordLink,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    User,
)
from portal.models.base import utcnow
from portal.services.bulk_insert import insert_rows

DB_FLOOR = (
    "database floor: one SELECT of the record links and one of the hour lines (joined to their "
    "sheets), the payloads built from them, one INSERT of the batch and one bulk insert of "
    "all its export lines (COPY on PostgreSQL, one executemany on SQLite), the same lines "
    "sent with the client (BEGIN, ADD_LINES, COMMIT), one UPDATE freezing the sheets, two "
    "commits. Leaves out: loading the sheets as objects, the preflight, locking the sheets, "
    "GET_BATCH, reading the lines back, progress commits, the conditional recording, audit "
    "events"
)
CLIENT_FLOOR = (
    "client floor: the same lines sent raw over one connection (BEGIN, ADD_LINES, COMMIT with "
    "the client); no database at all"
)


def client_for(bench) -> AvantageClient:
    return AvantageClient("127.0.0.1", bench.port, USER, bench.password, bench.key, timeout=60)


def actors(ids: tuple[int, int]) -> tuple[Integration, User]:
    return db.session.get(Integration, ids[0]), db.session.get(User, ids[1])


def db_floor(ids: tuple[int, int], sheet_ids: list[int], bench) -> dict:
    """The same database work, by hand and in bulk, plus sending (see ``DB_FLOOR``)."""
    started = time.perf_counter()
    integration, admin = actors(ids)
    links = {
        (entity, local_id): key
        for entity, local_id, key in db.session.execute(
            sa.select(RecordLink.entity, RecordLink.local_id, RecordLink.remote_key).where(
                RecordLink.integration_id == integration.id
            )
        )
    }
    regular = db.session.scalar(sa.select(HourType.id).where(HourType.is_regular))
    rows = db.session.execute(
        sa.select(
            Timesheet.employee_id,
            HourLine.timesheet_id,
            HourLine.id,
            HourLine.work_date,
            HourLine.project_id,
            HourLine.activity_id,
            HourLine.trade_id,
            HourLine.hour_type_id,
            HourLine.hours,
        )
        .join(Timesheet, Timesheet.id == HourLine.timesheet_id)
        .where(HourLine.timesheet_id.in_(sheet_ids))
        .order_by(Timesheet.week_start, Timesheet.employee_id, Timesheet.id, HourLine.work_date)
        .order_by(HourLine.id)
    ).all()
    payloads = []
    for number, row in enumerate(rows, start=1):
        project, activity = links[(SyncSection.ACTIVITIES, row.activity_id)].split("|", 1)
        payloads.append(
            {
                "line": number,
                "kind": "hours",
                "employee": links[(SyncSection.EMPLOYEES, row.employee_id)],
                "date": row.work_date.isoformat(),
                "project": project,
                "activity": activity,
                "trade": links[(SyncSection.TRADES, row.trade_id)],
                "hour_type": links[(SyncSection.HOUR_TYPES, row.hour_type_id or regular)],
                "hours": f"{row.hours:.2f}",
            }
        )
    batch = ExportBatch(
        company_id=admin.company_id, integration_id=integration.id, line_count=len(payloads)
    )
    db.session.add(batch)
    db.session.flush()
    insert_rows(
        ExportLine.__table__,
        [
            {
                "batch_id": batch.id,
                "line_no": payload["line"],
                "timesheet_id": row.timesheet_id,
                "hour_line_id": row.id,
                "payload": payload,
            }
            for payload, row in zip(payloads, rows, strict=True)
        ],
    )
    db.session.commit()
    with client_for(bench) as client:
        client.begin_batch(batch.batch_key)
        client.add_lines(batch.batch_key, payloads)
        state = client.commit_batch(batch.batch_key).state
    now = utcnow()
    db.session.execute(
        sa.update(Timesheet)
        .where(Timesheet.id.in_(sheet_ids))
        .values(status=TimesheetStatus.FROZEN, frozen_at=now, updated_at=now)
    )
    db.session.commit()
    assert state == "committed", state
    return {"seconds": time.perf_counter() - started, "batch": batch.id, "payloads": payloads}


def client_floor(payloads: list[dict], bench) -> dict:
    """The same lines, raw, over one connection: no planning, no database."""
    started = time.perf_counter()
    with client_for(bench) as client:
        batch_key = f"floor-{secrets.token_hex(8)}"
        client.begin_batch(batch_key)
        client.add_lines(batch_key, payloads)
        result = client.commit_batch(batch_key)
        round_trips = client.round_trips
    assert result.state == "committed", result.state
    return {"seconds": time.perf_counter() - started, "round_trips": round_trips}
