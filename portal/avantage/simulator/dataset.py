"""The simulated company's records, deterministic from a seed, plus touch/add/remove for tests.

No wall clock enters the generated data: every ``updated_at`` lies in the year before
:data:`EPOCH`. Changes made later through :meth:`Dataset.touch` and friends get a fresh
``updated_at`` (now, and always after every earlier one) so that ``since`` syncs can be tested.
"""

from __future__ import annotations

import random
import threading
import time
import unicodedata
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from portal.avantage.protocol import format_decimal
from portal.avantage.simulator import catalog
from portal.avantage.simulator.table import Record, RecordTable, format_timestamp

#: Generated records were all last changed in the year before this instant.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
YEAR = 365 * 24 * 3600

#: The fields that identify a record of each entity (a tuple key when there are several).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "projects": ("id",),
    "employees": ("number",),
    "trades": ("code",),
    "hour_types": ("code",),
    "earnings": ("code",),
    "activities": ("project", "code"),
    "budget": ("project", "activity"),
    "suppliers": ("code",),
    "purchase_orders": ("number",),
}


def key_function(entity: str) -> Callable[[Record], Hashable]:
    """How to get the key of a record of ``entity``."""
    fields = KEY_FIELDS[entity]
    if len(fields) == 1:
        return lambda record: record[fields[0]]
    return lambda record: tuple(record[name] for name in fields)


def employee_number(index: int) -> str:
    """The number as keyed in Avantage: from "1001", every 17th "0"-prefixed, every 23rd spaced."""
    number = str(1000 + index)
    if index % 17 == 0:
        return "0" + number
    if index % 23 == 0:
        return " " + number if (index // 23) % 2 else number + " "
    return number


def project_id(index: int) -> str:
    """``24-101``, ``24-102``, …"""
    return f"{24 + index // 899}-{101 + index % 899}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalnum())


class Dataset:
    """Every LIST entity but timesheet entries, as RecordTables guarded by one lock."""

    def __init__(
        self,
        seed: int = 1,
        *,
        employees: int = 120,
        projects: int = 12,
        activities: int = 8,
        suppliers: int = 20,
        purchase_orders: int = 40,
    ) -> None:
        #: Held while reading a page or changing records (the server runs in another thread).
        self.lock = threading.RLock()
        self.tables = {entity: RecordTable(key_function(entity)) for entity in KEY_FIELDS}
        self._newest = EPOCH
        self._seed = seed
        self._add_reference_data()
        self._add_projects(projects, min(activities, len(catalog.ACTIVITIES)))
        self._add_employees(employees)
        self._add_suppliers(suppliers)
        self._add_purchase_orders(purchase_orders)

    def get(self, entity: str, key: Hashable) -> Record | None:
        """The record of ``entity`` with ``key`` (a tuple for activities and budget)."""
        return self.tables[entity].get(key)

    def touch(self, entity: str, key: Hashable, **changes: Any) -> Record:
        """Change fields of a record and give it a fresh ``updated_at``."""
        with self.lock:
            record = self.tables[entity].get(key)
            if record is None:
                raise KeyError(f"{entity}: no record {key!r}")
            updated = {**record, **changes, "updated_at": self._fresh_timestamp()}
            self.tables[entity].add(updated)
            return updated

    def add(self, entity: str, record: Record) -> Record:
        """Add a record (its key fields required) with a fresh ``updated_at``."""
        with self.lock:
            added = {**record, "updated_at": self._fresh_timestamp()}
            self.tables[entity].add(added)
            return added

    def remove(self, entity: str, key: Hashable) -> None:
        """Delete a record."""
        with self.lock:
            self.tables[entity].remove(key)

    def _fresh_timestamp(self) -> str:
        self._newest = max(time.time(), self._newest + 0.001)
        return format_timestamp(self._newest)

    def _rng(self, entity: str) -> random.Random:
        # One stream per entity: changing one size does not reshuffle the others.
        return random.Random(f"{self._seed}:{entity}")

    def _put(self, entity: str, rng: random.Random, record: Record) -> None:
        record["updated_at"] = format_timestamp(EPOCH - rng.randint(3600, YEAR))
        self.tables[entity].add(record)

    def _add_reference_data(self) -> None:
        rng = self._rng("reference")
        for code, name, rate, competencies, _ in catalog.TRADES:
            rates = catalog.trade_rates(rate, competencies)
            self._put("trades", rng, {"code": code, "name": name, "rates": rates})
        for code, name, multiplier in catalog.HOUR_TYPES:
            self._put("hour_types", rng, {"code": code, "name": name, "multiplier": multiplier})
        for code, name, kind, unit, rate in catalog.EARNINGS:
            record = {"code": code, "name": name, "kind": kind, "unit": unit, "rate": rate}
            self._put("earnings", rng, record)

    def _add_projects(self, count: int, activities: int) -> None:
        rng = self._rng("projects")
        for index in range(count):
            last, city = rng.choice(catalog.LAST_NAMES), rng.choice(catalog.CITIES)
            customer = rng.choice(
                (
                    f"Famille {last}",
                    f"Gestion {rng.choice(catalog.LAST_NAMES)} inc.",
                    f"Ville de {city}",
                    f"Immeubles {rng.choice(catalog.LAST_NAMES)} ltée",
                )
            )
            project = {
                "id": project_id(index),
                "name": f"{rng.choice(catalog.BUILDINGS)} {last} — {city}",
                "status": "closed" if (index + 1) % 5 == 0 else "active",
                "customer": customer,
            }
            self._put("projects", rng, project)
            for code, name, unit in catalog.ACTIVITIES[:activities]:
                self._put(
                    "activities",
                    rng,
                    {"project": project["id"], "code": code, "name": name, "unit": unit},
                )
                self._put("budget", rng, self._budget_row(rng, project, code))

    @staticmethod
    def _budget_row(rng: random.Random, project: Record, activity: str) -> Record:
        hours = Decimal(rng.randrange(40, 800, 8))
        rate = Decimal(rng.randrange(5200, 7200)) / 100
        done = Decimal(
            rng.randint(95, 105) if project["status"] == "closed" else rng.randint(0, 90)
        )
        actual_hours = hours * done / 100
        return {
            "project": project["id"],
            "activity": activity,
            "budget_hours": format_decimal(hours),
            "budget_amount": format_decimal(hours * rate),
            "committed_amount": format_decimal(hours * rate * rng.randint(20, 90) / 100),
            "actual_hours": format_decimal(actual_hours),
            "actual_amount": format_decimal(actual_hours * rate),
        }

    def _add_employees(self, count: int) -> None:
        rng = self._rng("employees")
        codes = [trade[0] for trade in catalog.TRADES]
        weights = [trade[4] for trade in catalog.TRADES]
        competencies = {trade[0]: trade[3] for trade in catalog.TRADES}
        emails: set[str] = set()
        for index in range(1, count + 1):
            first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
            trade = rng.choices(codes, weights)[0]
            levels = competencies[trade]
            competency = (
                levels[0] if len(levels) == 1 or rng.random() < 0.6 else rng.choice(levels[1:])
            )
            email = f"{_slug(first)}.{_slug(last)}@{catalog.EMAIL_DOMAIN}"
            if email in emails:
                email = email.replace("@", f"{index}@")
            emails.add(email)
            self._put(
                "employees",
                rng,
                {
                    "number": employee_number(index),
                    "first_name": first,
                    "last_name": last,
                    "email": None if index % 11 == 0 else email,
                    "trade": trade,
                    "competency": competency,
                    "active": index % 31 != 0,
                },
            )

    def _add_suppliers(self, count: int) -> None:
        rng = self._rng("suppliers")
        for index in range(count):
            kind, last = rng.choice(catalog.SUPPLIER_KINDS), rng.choice(catalog.LAST_NAMES)
            self._put(
                "suppliers",
                rng,
                {
                    "code": f"F{1001 + index}",
                    "name": f"{kind} {last} inc.",
                    "phone": f"418-555-{rng.randint(100, 199):04d}",
                    "email": f"commandes@{_slug(kind)}{_slug(last)}.ca",
                    "active": index % 11 != 10,
                },
            )

    def _add_purchase_orders(self, count: int) -> None:
        rng = self._rng("purchase_orders")
        projects = list(self.tables["projects"])
        suppliers = [record["code"] for record in self.tables["suppliers"]]
        codes_by_project: dict[str, list[str]] = {}
        for activity in self.tables["activities"]:
            codes_by_project.setdefault(activity["project"], []).append(activity["code"])
        if not projects:
            return
        for index in range(count):
            project = rng.choice(projects)
            codes = codes_by_project.get(project["id"], [])
            lines = [
                {
                    "activity": rng.choice(codes) if codes else None,
                    "description": rng.choice(catalog.PURCHASE_DESCRIPTIONS),
                    "amount": format_decimal(Decimal(rng.randint(15000, 2500000)) / 100),
                }
                for _ in range(rng.randint(1, 4))
            ]
            day = datetime.fromtimestamp(EPOCH - rng.randint(1, 364) * 86400, UTC)
            self._put(
                "purchase_orders",
                rng,
                {
                    "number": f"BC-{24001 + index}",
                    "project": project["id"],
                    "supplier": rng.choice(suppliers) if suppliers else None,
                    "date": day.date().isoformat(),
                    "status": "closed"
                    if project["status"] == "closed"
                    else rng.choice(("open", "received", "closed")),
                    "total": format_decimal(sum(Decimal(line["amount"]) for line in lines)),
                    "lines": lines,
                },
            )
