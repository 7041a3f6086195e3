"""Rapprochement avec Avantage: a committed batch, line by line, against what Avantage's
Timesheet management holds now (``timesheet_entries`` of its batch number), and the entries
Avantage holds for the same employees and dates that no batch of the portal sent.

The portal never rewrites a frozen sheet from Avantage: the differences are stored beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.avantage import AvantageClient
from portal.errors import PortalError
from portal.i18n import gettext as _
from portal.models import (
    BatchStatus,
    DifferenceKind,
    ExportBatch,
    ExportLine,
    Reconciliation,
    ReconciliationDifference,
    ReconciliationStatus,
    User,
    db,
)
from portal.models.base import utcnow
from portal.services import audit
from portal.services.bulk_insert import insert_rows
from portal.services.leases import Lease

#: What a line says that Avantage may change, by kind of line.
COMPARED = {
    "hours": ("activity", "hour_type", "hours"),
    "earning": ("activity", "earning", "amount", "quantity", "hours"),
}
#: Why a reconciliation ended without a result when its job died or the queue lost it.
LOST = {
    "type": "lost",
    "message_fr": "Le rapprochement s'est arrêté avant la fin (processus ou file perdus).",
    "message_en": "The reconciliation stopped before the end (worker or queue lost).",
}
#: Fields shown of an entry Avantage holds that no batch sent.
SHOWN = ("project", "activity", "trade", "hour_type", "hours", "earning", "amount", "quantity")


def _same(sent: Any, held: Any) -> bool:
    """Equal as Avantage compares them: decimals by value (« 8.0 » is « 8.00 »)."""
    if sent == held:
        return True
    try:
        return Decimal(str(sent)) == Decimal(str(held))
    except (InvalidOperation, ValueError):
        return False


@dataclass
class Comparison:
    identical: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)

    def count(self, kind: DifferenceKind) -> int:
        return sum(1 for difference in self.differences if difference["kind"] == kind)


def compare(
    sent: Iterable[ExportLine], held: Iterable[dict[str, Any]], added: Iterable[dict[str, Any]]
) -> Comparison:
    """The batch's lines against the entries of its batch number (``held``), plus the
    entries no batch of the portal sent (``added``). Pure: no database, no network."""
    held = [entry for entry in held if isinstance(entry, dict)]
    by_line = {entry.get("line"): entry for entry in held}
    # Entries posted by one commit share its time; one changed in Avantage since has a later
    # ``updated_at`` (the SDK's rule), which tells a change of amount alone.
    stamps = [entry["updated_at"] for entry in held if isinstance(entry.get("updated_at"), str)]
    posted_at = min(stamps) if stamps else None
    result = Comparison()
    for line in sent:
        payload = line.payload
        base = {
            "line_no": line.line_no,
            "timesheet_id": line.timesheet_id,
            # The columns, not the payload: a reversal's payload names only what it cancels.
            "employee": str(line.employee or payload.get("employee", ""))[:120],
            "work_date": str(line.work_date or payload.get("date", ""))[:10],
        }
        entry = by_line.get(line.line_no)
        if entry is None:
            result.differences.append(
                {
                    **base,
                    "kind": DifferenceKind.DELETED,
                    "entry_id": None,
                    "before": payload,
                    "after": {},
                }
            )
            continue
        fields = [name for name in COMPARED.get(payload.get("kind"), ()) if name in payload]
        changed = [name for name in fields if not _same(payload.get(name), entry.get(name))]
        touched = posted_at is not None and str(entry.get("updated_at") or "") > posted_at
        if not changed and not touched:
            result.identical += 1
            continue
        result.differences.append(
            {
                **base,
                "kind": DifferenceKind.MODIFIED,
                "entry_id": entry.get("entry"),
                "before": {name: payload.get(name) for name in changed},
                "after": {
                    **{name: entry.get(name) for name in changed},
                    "amount": entry.get("amount"),
                },
            }
        )
    for entry in added:
        result.differences.append(
            {
                "kind": DifferenceKind.ADDED,
                "line_no": None,
                "entry_id": entry.get("entry"),
                "timesheet_id": None,
                "employee": str(entry.get("employee", ""))[:120],
                "work_date": str(entry.get("date", ""))[:10],
                "before": {},
                "after": {name: entry.get(name) for name in SHOWN if entry.get(name) is not None},
            }
        )
    return result


def start(batch: ExportBatch, actor: User | None) -> tuple[Reconciliation, bool]:
    """The batch's reconciliation under way, or a new one queued (committed)."""
    if batch.status != BatchStatus.COMMITTED or not batch.avantage_batch:
        raise PortalError(
            _("Seul un lot accepté par Avantage peut être rapproché : ce lot ne l'a pas été.")
        )
    existing = active_for(batch)
    if existing is not None:
        return existing, False
    made = Reconciliation(
        company_id=batch.company_id,
        batch_id=batch.id,
        requested_by_id=actor.id if actor is not None else None,
        due_at=utcnow(),
    )
    db.session.add(made)
    try:
        db.session.commit()
    except IntegrityError:  # a second click at the same instant: the same reconciliation
        db.session.rollback()
        return active_for(batch), False
    audit.record(batch.company_id, actor, "export.reconcile", batch, f"Lot {batch.id}")
    db.session.commit()
    return made, True


#: A batch reconciled more recently than this is not reconciled again by the daily job.
RECENT = timedelta(hours=20)


def due_batches(now: datetime, weeks: int) -> list[ExportBatch]:
    """The batches the nightly Rapprochement takes: committed in the last ``weeks`` weeks,
    and not reconciled in the last 20 hours."""
    recent = sa.select(Reconciliation.batch_id).where(Reconciliation.created_at > now - RECENT)
    return list(
        db.session.scalars(
            sa.select(ExportBatch).where(
                ExportBatch.status == BatchStatus.COMMITTED,
                ExportBatch.finished_at > now - timedelta(weeks=weeks),
                ExportBatch.id.not_in(recent),
            )
        )
    )


def active_for(batch: ExportBatch) -> Reconciliation | None:
    return db.session.scalar(
        sa.select(Reconciliation).where(
            Reconciliation.batch_id == batch.id, Reconciliation.active.is_(True)
        )
    )


def latest(batch: ExportBatch) -> Reconciliation | None:
    return db.session.scalar(
        sa.select(Reconciliation)
        .where(Reconciliation.batch_id == batch.id)
        .order_by(Reconciliation.created_at.desc(), Reconciliation.id.desc())
        .limit(1)
    )


def claim(lease: Lease) -> bool:
    return lease.take(
        (ReconciliationStatus.QUEUED, ReconciliationStatus.RUNNING),
        Reconciliation.active.is_(True),
        status=ReconciliationStatus.RUNNING,
    )


def _portal_batches(company_id: int) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(ExportBatch.avantage_batch).where(
                ExportBatch.company_id == company_id, ExportBatch.avantage_batch.is_not(None)
            )
        )
    )


def run(reconciliation: Reconciliation, client: AvantageClient, lease: Lease) -> None:
    """List what Avantage holds, compare, store the differences, end (one transaction)."""
    batch = reconciliation.batch
    sent = list(
        db.session.scalars(
            sa.select(ExportLine)
            .where(ExportLine.batch_id == batch.id, ExportLine.rejection_code.is_(None))
            .order_by(ExportLine.line_no)
        )
    )
    held = list(client.iter_items("timesheet_entries", batch=batch.avantage_batch))
    lease.check()
    days = {(line.payload.get("employee"), line.payload.get("date")) for line in sent}
    ours = _portal_batches(batch.company_id)
    added = [
        entry
        for project in sorted({line.payload.get("project") for line in sent} - {None})
        for entry in client.iter_items("timesheet_entries", project=project)
        if entry.get("batch") not in ours and (entry.get("employee"), entry.get("date")) in days
    ]
    lease.check()
    result = compare(sent, held, added)
    insert_rows(
        ReconciliationDifference.__table__,
        [
            {"company_id": batch.company_id, "reconciliation_id": reconciliation.id, **row}
            for row in result.differences
        ],
    )
    _end(
        reconciliation,
        lease,
        status=ReconciliationStatus.DONE,
        identical=result.identical,
        modified=result.count(DifferenceKind.MODIFIED),
        deleted=result.count(DifferenceKind.DELETED),
        added=result.count(DifferenceKind.ADDED),
    )


def fail(reconciliation: Reconciliation, error: dict, lease: Lease | None = None) -> None:
    _end(reconciliation, lease, status=ReconciliationStatus.FAILED, error=error)


def _end(reconciliation: Reconciliation, lease: Lease | None, **values) -> bool:
    held = [lease.held_where()] if lease else []
    ended = db.session.execute(
        sa.update(Reconciliation)
        .where(Reconciliation.id == reconciliation.id, Reconciliation.active.is_(True), *held)
        .values(
            active=False, finished_at=utcnow(), lease_owner=None, lease_expires_at=None, **values
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.commit()
    return bool(ended)


def differences(reconciliation: Reconciliation) -> list[ReconciliationDifference]:
    return list(
        db.session.scalars(
            sa.select(ReconciliationDifference)
            .where(ReconciliationDifference.reconciliation_id == reconciliation.id)
            .order_by(ReconciliationDifference.id)
        )
    )


def changed_sheets(timesheet_ids: Iterable[int]) -> set[int]:
    """The sheets among ``timesheet_ids`` whose newest finished reconciliation found a line
    changed or deleted in Avantage (their « Modifié dans Avantage » badge)."""
    ids = set(timesheet_ids)
    if not ids:
        return set()
    newest = (
        sa.select(Reconciliation.batch_id, sa.func.max(Reconciliation.id).label("id"))
        .where(Reconciliation.status == ReconciliationStatus.DONE)
        .group_by(Reconciliation.batch_id)
        .subquery()
    )
    return set(
        db.session.scalars(
            sa.select(ReconciliationDifference.timesheet_id)
            .join(newest, newest.c.id == ReconciliationDifference.reconciliation_id)
            .where(ReconciliationDifference.timesheet_id.in_(ids))
            .distinct()
        )
    )
