"""Dégeler: a timesheet Admin reopens a sheet Avantage already holds, with a reason, as its
next revision (R1, R2…). The corrected sheet goes through the usual flow; its send reverses
what the previous revision put in Avantage (services/correction_plan.py). Against a server
without reversal lines, the correction is keyed in Avantage and recorded as such here.

Each change is one conditional UPDATE on the state the request read: of two Admins racing,
one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    BatchStatus,
    DifferenceKind,
    ExportBatch,
    Integration,
    Reconciliation,
    ReconciliationDifference,
    Timesheet,
    TimesheetPermission,
    TimesheetRevision,
    TimesheetStatus,
    User,
    db,
)
from portal.models.base import utcnow
from portal.services import audit, correction_lines

#: The longest reason kept (the audit summary quotes its start).
MAX_REASON = 500


def server_supports_reversal(integration: Integration | None) -> bool | None:
    """What the server's greeting said last: True, False, or None (never heard)."""
    if integration is None or integration.server_features is None:
        return None
    return "reversal" in integration.server_features.split(",")


def can_unfreeze(sheet: Timesheet, actor: User) -> bool:
    """A Gelée sheet that Avantage holds as its last batch sent it (committed), free of any
    send. Not one corrected by hand in Avantage since: no batch says what Avantage holds."""
    return (
        sheet.id is not None
        and actor.has_timesheet_permission(TimesheetPermission.ADMIN)
        and sheet.status == TimesheetStatus.FROZEN
        and sheet.export_lock_id is None
        and sheet.last_export is not None
        and sheet.last_export.status == BatchStatus.COMMITTED
        and not corrected_outside(sheet)
    )


def corrected_outside(sheet: Timesheet) -> bool:
    """Its latest revision was keyed in Avantage by hand."""
    if not sheet.revision:
        return False
    return (
        db.session.scalar(
            sa.select(TimesheetRevision.corrected_outside_at.is_not(None)).where(
                TimesheetRevision.timesheet_id == sheet.id,
                TimesheetRevision.number == sheet.revision,
            )
        )
        is True
    )


def can_record_outside(sheet: Timesheet, actor: User, integration: Integration | None) -> bool:
    """Corrigée dans Avantage: a validated correction the server cannot take."""
    return (
        sheet.id is not None
        and sheet.in_correction
        and sheet.status == TimesheetStatus.VALIDATED
        and sheet.export_lock_id is None
        and actor.has_timesheet_permission(TimesheetPermission.ADMIN)
        and server_supports_reversal(integration) is False
    )


def _check_admin(company_id: int, actor: User, sheet: Timesheet) -> None:
    if sheet.company_id != company_id:
        raise NotFoundError()
    if not actor.has_timesheet_permission(TimesheetPermission.ADMIN):
        raise PermissionDeniedError(
            _(
                "Il faut la permission « %(level)s » sur les feuilles de temps.",
                level=TimesheetPermission.ADMIN.label,
            )
        )


def _clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": _("Dites pourquoi la feuille doit être corrigée : le motif est gardé.")}
        )
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Maximum %(n)d caractères.", n=MAX_REASON)})
    return reason


def _changed_meanwhile(company_id: int, sheet: Timesheet) -> ConflictError:
    current = db.session.get(Timesheet, sheet.id, populate_existing=True)
    if current is None or current.company_id != company_id:
        raise NotFoundError()
    return ConflictError(
        _(
            "Quelqu'un vient de modifier cette feuille : elle est maintenant %(status)s et "
            "votre changement n'a pas été appliqué. Rechargez la page pour voir son état actuel.",
            status=current.status.label.lower(),
        )
    )


def unfreeze(
    company_id: int,
    actor: User,
    sheet: Timesheet,
    reason: str | None,
    reconciliation: Reconciliation | None = None,
) -> TimesheetRevision:
    """Make the Gelée sheet its next revision, a draft again, keeping its lines as they were
    frozen; the caller commits."""
    _check_admin(company_id, actor, sheet)
    reason = _clean_reason(reason)
    if not can_unfreeze(sheet, actor):
        raise ConflictError(
            _(
                "Seule une feuille gelée qu'Avantage a reçue peut être dégelée, et aucun envoi "
                "ne doit la tenir. Rechargez la page pour voir son état actuel."
            )
        )
    original = correction_lines.describe(sheet)
    replaced = sheet.last_export_id
    moved = db.session.execute(
        sa.update(Timesheet)
        .where(
            Timesheet.id == sheet.id,
            Timesheet.company_id == company_id,
            Timesheet.status == TimesheetStatus.FROZEN,
            Timesheet.export_lock_id.is_(None),
            Timesheet.last_export_id == replaced,
        )
        .values(
            status=TimesheetStatus.DRAFT,
            revision=Timesheet.revision + 1,
            in_correction=True,
            frozen_at=None,
            frozen_by_id=None,
            submitted_at=None,
            reviewed_at=None,
            reviewed_by_id=None,
            rejection_reason=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _changed_meanwhile(company_id, sheet)
    db.session.refresh(sheet)
    revision = TimesheetRevision(
        company_id=company_id,
        timesheet_id=sheet.id,
        number=sheet.revision,
        reason=reason,
        unfrozen_by_id=actor.id,
        replaces_batch_id=replaced,
        reconciliation_id=reconciliation.id if reconciliation else None,
        original=original,
    )
    db.session.add(revision)
    db.session.flush()
    batch = db.session.get(ExportBatch, replaced)
    audit.record(
        company_id,
        actor,
        "timesheet.unfreeze",
        sheet,
        f"{sheet.employee.full_name} — {sheet.week_start.isoformat()} : "
        f"{TimesheetStatus.FROZEN.label} → {TimesheetStatus.DRAFT.label} "
        f"({revision.label}) — {reason}",
        reason=reason,
        revision=revision.number,
        replaces_batch=replaced,
        avantage_batch=batch.avantage_batch if batch else None,
        reconciliation=revision.reconciliation_id,
    )
    return revision


def record_corrected_outside(
    company_id: int, actor: User, sheet: Timesheet, integration: Integration | None
) -> TimesheetRevision:
    """Freeze a validated correction that was keyed in Avantage by hand (a server without
    reversal lines), recording so on its revision; the caller commits."""
    _check_admin(company_id, actor, sheet)
    if not can_record_outside(sheet, actor, integration):
        raise ConflictError(
            _(
                "Seule une correction validée, pour un serveur Avantage qui n'accepte pas les "
                "annulations, peut être notée comme corrigée dans Avantage."
            )
        )
    now = utcnow()
    moved = db.session.execute(
        sa.update(Timesheet)
        .where(
            Timesheet.id == sheet.id,
            Timesheet.company_id == company_id,
            Timesheet.status == TimesheetStatus.VALIDATED,
            Timesheet.in_correction.is_(True),
            Timesheet.export_lock_id.is_(None),
        )
        .values(
            status=TimesheetStatus.FROZEN,
            in_correction=False,
            frozen_at=now,
            frozen_by_id=actor.id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _changed_meanwhile(company_id, sheet)
    db.session.refresh(sheet)
    revision = db.session.scalars(
        sa.select(TimesheetRevision).where(
            TimesheetRevision.timesheet_id == sheet.id,
            TimesheetRevision.number == sheet.revision,
        )
    ).one()
    revision.corrected_outside_at, revision.corrected_outside_by_id = now, actor.id
    audit.record(
        company_id,
        actor,
        "timesheet.corrected_outside",
        sheet,
        f"{sheet.employee.full_name} — {sheet.week_start.isoformat()} : "
        + _("%(revision)s corrigée dans Avantage, hors du portail", revision=revision.label),
        revision=revision.number,
    )
    return revision


def reconciliation_for(
    company_id: int, sheet: Timesheet, reconciliation_id: int | None
) -> Reconciliation | None:
    """The Rapprochement of the sheet's last batch that an Aligner le portail names (404 for
    any other, another company's included)."""
    if reconciliation_id is None:
        return None
    found = db.session.scalar(
        sa.select(Reconciliation).where(
            Reconciliation.id == reconciliation_id,
            Reconciliation.company_id == company_id,
            Reconciliation.batch_id == sheet.last_export_id,
        )
    )
    if found is None:
        raise NotFoundError()
    return found


def alignable_sheets(reconciliation: Reconciliation) -> list[tuple[Timesheet, int]]:
    """Aligner le portail: the sheets with a line the Rapprochement found changed or deleted
    in Avantage that can still be unfrozen from it, each with how many such lines."""
    counts = dict(
        db.session.execute(
            sa.select(ReconciliationDifference.timesheet_id, sa.func.count())
            .where(
                ReconciliationDifference.reconciliation_id == reconciliation.id,
                ReconciliationDifference.kind.in_(
                    (DifferenceKind.MODIFIED, DifferenceKind.DELETED)
                ),
                ReconciliationDifference.timesheet_id.is_not(None),
            )
            .group_by(ReconciliationDifference.timesheet_id)
        ).all()
    )
    if not counts:
        return []
    sheets = db.session.scalars(
        sa.select(Timesheet)
        .where(
            Timesheet.id.in_(sorted(counts)),
            Timesheet.company_id == reconciliation.company_id,
            Timesheet.status == TimesheetStatus.FROZEN,
            Timesheet.last_export_id == reconciliation.batch_id,
            Timesheet.export_lock_id.is_(None),
        )
        .options(joinedload(Timesheet.employee))
        .order_by(Timesheet.week_start, Timesheet.id)
    )
    return [(sheet, counts[sheet.id]) for sheet in sheets]
