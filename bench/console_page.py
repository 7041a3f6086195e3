"""Benchmark: one page of the Employés matching console at 1x and 10x the records.

``python bench/console_page.py [--records 2000] [--scales 1,10] [--pairs 7]
[--database-url URL]`` fills a company with N Avantage employee records and N portal
employees (half linked, a tenth suggested, a tenth portal-only), then times, in interleaved
pairs, ``console.console_page`` (first page, last page, a search) against a floor: the same
page's 50 Avantage records and 50 portal employees read by primary key (what a page must at
least read, without the pairing, the counts or the search). It prints min / median / max of
the time and of the per-pair ratio, at each size. Each record's pairing is a few indexed
lookups, so the time grows with the section linearly (the state counts and the page order
read it once), never quadratically: 10x the records in at most 10x the time.

SQLite in a temporary file by default; ``--database-url postgresql+psycopg://…`` for
PostgreSQL (the database is emptied).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from portal_bench import load_average, report_result

from portal import create_app
from portal.extensions import db
from portal.models import (
    Company,
    Integration,
    LinkMethod,
    PartnerType,
    RecordLink,
    RemoteRecord,
    SyncSection,
    User,
)
from portal.services import console

EMPLOYEES = SyncSection.EMPLOYEES


def fill(records: int) -> Integration:
    """An emptied database with ``records`` Avantage employees and as many portal ones."""
    db.session.remove()
    db.drop_all()
    db.create_all()
    company = Company(name="Banc d'essai inc.")
    db.session.add(company)
    db.session.flush()
    integration = Integration(
        company_id=company.id, external_id="AV", partner_type=PartnerType.AVANTAGE
    )
    db.session.add(integration)
    db.session.flush()
    now = datetime.now(UTC)
    people = [
        {
            "company_id": company.id,
            "email": f"p{n}@banc.example",
            "first_name": f"Prénom{n}",
            "last_name": f"Nom{n % 997}",
            "employee_number": f"{n:06d}" if n % 10 else f"P{n:06d}",  # a tenth portal-only
            "login_token": f"token-{n}",
        }
        for n in range(records)
    ]
    db.session.execute(User.__table__.insert(), people)
    db.session.execute(
        RemoteRecord.__table__.insert(),
        [
            {
                "company_id": company.id,
                "integration_id": integration.id,
                "entity": EMPLOYEES,
                "key": f"{n:06d}",
                "scope": "",
                "data": {"number": f"{n:06d}", "first_name": f"Prénom{n}", "last_name": "Côté"},
                "seen_at": now,
            }
            for n in range(records)
        ],
    )
    ids = {
        number: user_id
        for number, user_id in db.session.execute(sa.select(User.employee_number, User.id))
    }
    db.session.execute(
        RecordLink.__table__.insert(),
        [
            {
                "company_id": company.id,
                "integration_id": integration.id,
                "entity": EMPLOYEES,
                "remote_key": f"{n:06d}",
                "local_id": ids[f"{n:06d}"],
                "method": LinkMethod.NUMBER,
            }
            for n in range(records)
            if n % 2 and n % 10  # half linked; the other numbered ones are suggested
        ],
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text('ANALYZE "user", remote_record, record_link'))
        db.session.commit()
    return integration


def floor(page: console.ConsolePage) -> None:
    """The page's own records by primary key: the least any console page reads."""
    keys = [row.remote_key for row in page.rows if row.remote_key]
    locals_ = [row.local.id for row in page.rows if row.local is not None]
    list(db.session.scalars(sa.select(RemoteRecord).where(RemoteRecord.key.in_(keys))))
    list(db.session.scalars(sa.select(User).where(User.id.in_(locals_))))


def timed(action, *args) -> float:
    """Seconds ``action(*args)`` takes with nothing loaded in the session beforehand."""
    db.session.expunge_all()
    start = time.perf_counter()
    action(*args)
    return time.perf_counter() - start


def measure(integration_id: int, pairs: int, **query) -> tuple[list[float], list[float]]:
    def page_of_console() -> console.ConsolePage:
        integration = db.session.get(Integration, integration_id)
        return console.console_page(integration, EMPLOYEES, **query)

    page = page_of_console()
    times, ratios = [], []
    for _ in range(pairs):
        spent = timed(page_of_console)
        least = timed(floor, page)
        times.append(spent)
        ratios.append(spent / least)
    return times, ratios


def spread(values: list[float], scale: float = 1.0, unit: str = "") -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low * scale:.1f} / {mid * scale:.1f} / {high * scale:.1f}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    print(
        "floor: the page's 50 Avantage records and its portal employees read by primary key "
        "(no pairing, no counts, no search)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b", "INSTANCE_PATH": tmp})
        with app.app_context():
            medians = {}
            for scale in (int(part) for part in args.scales.split(",")):
                records = args.records * scale
                integration_id = fill(records).id
                pages = -(-records * 11 // 10 // console.PER_PAGE)
                for name, query in (
                    ("first page", {"page": 1}),
                    ("last page", {"page": pages}),
                    ("search", {"search": "prénom12 côté"}),
                ):
                    times, ratios = measure(integration_id, args.pairs, **query)
                    medians[(name, scale)] = statistics.median(times)
                    print(
                        f"{records:>7} records, {name:<10}: {spread(times, 1000, ' ms')}"
                        f"  ratio to floor {spread(ratios)}"
                    )
                db.session.remove()
                db.drop_all()
    scales = [int(part) for part in args.scales.split(",")]
    low, high = scales[0], scales[-1]
    growth = medians[("first page", high)] / medians[("first page", low)]
    print(f"first page, {high}x the records: {growth:.2f}x the time (median)")
    report_result(
        f"Console Employés, 1re page, {args.records * high:,} vs {args.records * low:,} fiches",
        growth,
        unit="×",
        target=f"≤ {high:g}× (linear: the counts and the order read the section once)",
        met=growth <= high,
    )


if __name__ == "__main__":
    main()
