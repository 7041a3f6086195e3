"""The status flow of a weekly sheet: submit, validate, reject, freeze.

Each transition is one conditional UPDATE on the status the request read, and on no export
batch holding the sheet: of two requests racing on the same sheet exactly one matches the
row, on SQLite (which ignores ``SELECT … FOR UPDATE``) and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TimesheetLockedError,
    ValidationError,
)
from portal.i18n import gettext as _
from portal.models import Timesheet, TimesheetPermission, TimesheetStatus, User, db
from portal.models.base import utcnow
from portal.services import audit
from portal.services.timesheets import EDITABLE, ensure_not_being_sent, is_reviewer

#: The status each action leads to.
TARGETS = {
    "submit": TimesheetStatus.SUBMITTED,
    "validate": TimesheetStatus.VALIDATED,
    "reject": TimesheetStatus.REJECTED,
    "freeze": TimesheetStatus.FROZEN,
}
#: The permission each review action needs beyond seeing the sheet.
REVIEW_PERMISSION = {
    "validate": TimesheetPermission.EXTENDED,
    "reject": TimesheetPermission.EXTENDED,
    "freeze": TimesheetPermission.ADMIN,
}


def available_actions(sheet: Timesheet, actor: User) -> list[str]:
    """The transitions ``actor`` may apply to ``sheet`` now, for the buttons of the page."""
    if sheet.id is None or sheet.export_lock_id is not None:
        return []
    actions = []
    reviewer = is_reviewer(actor)
    if sheet.status in EDITABLE and (sheet.employee_id == actor.id or reviewer):
        actions.append("submit")
    if sheet.status == TimesheetStatus.SUBMITTED and reviewer:
        actions += ["validate", "reject"]
    if sheet.status == TimesheetStatus.VALIDATED:
        if reviewer:
            actions.append("reject")
        if actor.has_timesheet_permission(TimesheetPermission.ADMIN):
            actions.append("freeze")
    return actions


def _authorize(company_id: int, actor: User, sheet: Timesheet, action: str) -> None:
    """Refuse the transition, most fundamental reason first: tenancy, rights, then state."""
    if sheet.company_id != company_id:
        raise NotFoundError()
    if sheet.employee_id != actor.id and not is_reviewer(actor):
        raise PermissionDeniedError(_("Vous ne pouvez modifier que vos propres feuilles de temps."))
    needs = REVIEW_PERMISSION.get(action)
    if needs is not None and not actor.has_timesheet_permission(needs):
        raise PermissionDeniedError(
            _("Il faut la permission « %(level)s » sur les feuilles de temps.", level=needs.label)
        )
    if sheet.status == TimesheetStatus.FROZEN:
        raise TimesheetLockedError()
    ensure_not_being_sent(sheet)
    if action not in available_actions(sheet, actor):
        raise ConflictError(
            _(
                "Cette feuille est %(status)s : elle ne peut pas passer à « %(target)s ». "
                "Rechargez la page pour voir son état actuel.",
                status=sheet.status.label.lower(),
                target=TARGETS[action].label,
            )
        )


def _apply(company_id: int, actor: User, sheet: Timesheet, action: str, **changes: Any) -> None:
    """Move the sheet from the status it was read in (never Gelée: ``_authorize`` refused it)
    to the action's target with ``changes``, in one statement; refuse if it changed since."""
    previous, target = sheet.status, TARGETS[action]
    summary = f"{sheet.employee.full_name} — {sheet.week_start.isoformat()} : "
    moved = db.session.execute(
        sa.update(Timesheet)
        .where(
            Timesheet.id == sheet.id,
            Timesheet.company_id == company_id,
            Timesheet.status == previous,
            Timesheet.export_lock_id.is_(None),
        )
        .values(status=target, **changes)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        _refuse_changed(company_id, sheet)
    # The object holds what is stored: the page shows it, and the flush-time guard
    # (models/guards.py) judges any later write of this request against the new status.
    db.session.refresh(sheet)
    audit.record(
        company_id,
        actor,
        f"timesheet.{action}",
        sheet,
        f"{summary}{previous.label} → {target.label}",
        previous=previous.value,
        status=target.value,
    )


def _refuse_changed(company_id: int, sheet: Timesheet) -> None:
    """Another request changed the sheet between our read and our UPDATE: say what it is now."""
    current = db.session.get(Timesheet, sheet.id, populate_existing=True)
    if current is None or current.company_id != company_id:
        raise NotFoundError()
    ensure_not_being_sent(current)
    raise ConflictError(
        _(
            "Quelqu'un vient de modifier cette feuille : elle est maintenant %(status)s et "
            "votre changement n'a pas été appliqué. Rechargez la page pour voir son état actuel.",
            status=current.status.label.lower(),
        )
    )


def submit(company_id: int, actor: User, sheet: Timesheet) -> None:
    """Send a draft or rejected sheet for review."""
    _authorize(company_id, actor, sheet, "submit")
    # A correction may take every line back: sent, it only reverses the previous revision.
    if not sheet.hour_lines and not sheet.expense_lines and not sheet.in_correction:
        raise ValidationError(
            message=_("Ajoutez au moins une ligne avant de soumettre la feuille.")
        )
    review = dict.fromkeys(("reviewed_at", "reviewed_by_id", "rejection_reason"))
    _apply(company_id, actor, sheet, "submit", submitted_at=utcnow(), **review)


def validate(company_id: int, actor: User, sheet: Timesheet) -> None:
    """Accept a submitted sheet (Étendue or Admin)."""
    _authorize(company_id, actor, sheet, "validate")
    _apply(company_id, actor, sheet, "validate", reviewed_at=utcnow(), reviewed_by_id=actor.id)


def reject(company_id: int, actor: User, sheet: Timesheet, reason: str) -> None:
    """Send a submitted or validated sheet back to its employee with the ``reason``."""
    _authorize(company_id, actor, sheet, "reject")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Dites à l'employé ce qu'il doit corriger.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Maximum %(n)d caractères.", n=500)})
    review = {"reviewed_at": utcnow(), "reviewed_by_id": actor.id, "rejection_reason": reason}
    _apply(company_id, actor, sheet, "reject", **review)


def freeze(company_id: int, actor: User, sheet: Timesheet) -> None:
    """Lock a validated sheet for good (timesheet Admin); nothing can change it afterwards."""
    _authorize(company_id, actor, sheet, "freeze")
    _apply(company_id, actor, sheet, "freeze", frozen_at=utcnow(), frozen_by_id=actor.id)
