"""Creating an export batch: its lines frozen as they will be sent, its sheets locked so that
two clicks, two tabs or two users never send a sheet twice."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from portal.errors import ConflictError, PortalError, ValidationError
from portal.i18n import gettext as _
from portal.models import ExportBatch, ExportLine, Integration, Timesheet, User, db
from portal.services import audit, collector
from portal.services.bulk_insert import insert_rows
from portal.services.export import SENDABLE, plan
from portal.services.export_data import Plan


class ResendNotConfirmedError(PortalError):
    """Some sheets were already sent: the user must confirm sending their hours again."""


class PlanChangedError(ConflictError):
    """The lines are no longer those the person confirmed: they must confirm again."""


def prepare(integration: Integration, sheets: list[Timesheet], *, ready_only: bool) -> Plan:
    """The plan Envoyer would send, or the error that stops it: what the confirmation shows
    and what ``create_batch`` sends are this same plan."""
    result = plan(integration, sheets)
    if ready_only and result.errors:
        result = result.ready_only()
        if not result.sheets:
            raise ValidationError(
                message=_("Aucune feuille choisie n'est prête : corrigez d'abord leurs lignes.")
            )
    if result.errors:
        raise ValidationError(
            message=_(
                "%(n)d ligne(s) ne peuvent pas être envoyées : corrigez-les d'abord "
                "(voir l'aperçu).",
                n=len(result.errors),
            )
        )
    if not result.lines:
        raise ValidationError(message=_("Ces feuilles n'ont aucune ligne à envoyer."))
    return result


def digest(result: Plan) -> str:
    """A fingerprint of exactly what would be sent (sheets and lines): the confirmation
    carries it, and a send whose plan no longer matches it is refused."""
    content = {
        "sheets": [sheet.id for sheet in result.sheets],
        "lines": [[line.sheet.id, line.payload] for line in result.lines],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@collector.bulk_work()  # the plan and the rows of every line, built at once
def create_batch(
    company_id: int,
    actor: User,
    integration: Integration,
    sheets: list[Timesheet],
    *,
    confirm_resend: bool,
    resend_of: ExportBatch | None = None,
    ready_only: bool = False,
    confirmation: str | None = None,
) -> tuple[ExportBatch, bool]:
    """Freeze the lines into a new batch and lock its sheets (the caller commits).

    Returns (batch, created): a double click on the same sheets finds the batch already
    sending them. ``ready_only`` (Envoyer les feuilles prêtes) leaves out the sheets that
    have a blocking line instead of refusing them all. ``confirmation``, the ``digest`` of
    the plan the person confirmed, must still be the plan's: else nothing is sent.
    """
    locks = {sheet.export_lock_id for sheet in sheets}
    if len(locks) == 1 and None not in locks:
        batch = db.session.get(ExportBatch, locks.pop())
        if batch is not None and not batch.status.final:
            return batch, False
    result = prepare(integration, sheets, ready_only=ready_only)
    sheets = result.sheets
    if result.warnings and not confirm_resend:
        raise ResendNotConfirmedError(
            _(
                "Certaines feuilles ont déjà été envoyées. Confirmez que vous voulez créer leurs "
                "heures une seconde fois dans Avantage."
            )
        )
    if confirmation is not None and confirmation != digest(result):
        raise PlanChangedError(
            _(
                "Ces feuilles ont changé depuis votre confirmation : rien n'a été envoyé. "
                "Vérifiez les nouveaux totaux, puis confirmez de nouveau."
            )
        )
    batch = ExportBatch(
        company_id=company_id,
        integration_id=integration.id,
        requested_by_id=actor.id,
        resend_of_id=resend_of.id if resend_of else None,
        sheet_count=len(sheets),
        line_count=len(result.lines),
        hours_total=result.hours,
    )
    db.session.add(batch)
    db.session.flush()
    _lock(batch, sheets)
    insert_rows(
        ExportLine.__table__,
        [
            {
                "batch_id": batch.id,
                "line_no": number,
                "timesheet_id": line.sheet.id,
                "payload": {"line": number, **line.payload},
                # A reversal is filed under its original's employee and day.
                "employee": (line.reversed_payload or line.payload).get("employee"),
                "work_date": (line.reversed_payload or line.payload).get("date"),
                "hour_line_id": line.hour_line_id,
                "expense_line_id": line.expense_line_id,
                "reverses_line_id": line.reverses_line_id,
            }
            for number, line in enumerate(result.lines, start=1)
        ],
    )
    audit.record(
        company_id,
        actor,
        "export.create",
        batch,
        _(
            "Lot de %(sheets)d feuille(s), %(lines)d ligne(s) créé",
            sheets=len(sheets),
            lines=len(result.lines),
        ),
        sheets=[sheet.id for sheet in sheets],
        resend_of=resend_of.id if resend_of else None,
        corrections={
            str(sheet_id): {"revision": c.revision, "reverses": c.batch, "reversed": c.reversed}
            for sheet_id, c in result.corrections.items()
        },
    )
    return batch, True


def _lock(batch: ExportBatch, sheets: list[Timesheet]) -> None:
    """Take every sheet for this batch in one conditional statement, or none of them: a
    sheet rejected (or taken by another batch) since it was selected is not sent."""
    ids = [sheet.id for sheet in sheets]
    taken = db.session.execute(
        sa.update(Timesheet)
        .where(
            Timesheet.id.in_(ids),
            Timesheet.export_lock_id.is_(None),
            Timesheet.status.in_(SENDABLE),
        )
        .values(export_lock_id=batch.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != len(ids):
        db.session.rollback()
        raise ConflictError(
            _(
                "Certaines de ces feuilles viennent de changer : envoyées par quelqu'un "
                "d'autre, ou rejetées entre-temps. Rien n'a été envoyé; rechargez la page pour "
                "voir leur état et refaites la sélection."
            )
        )
    for sheet in sheets:
        db.session.expire(sheet, ["export_lock_id", "export_lock"])


def discard_unsent(batch: ExportBatch) -> None:
    """Undo a batch the queue could not take: free its sheets and delete it with its lines,
    keeping in the audit log that the send was tried (nothing reached Avantage)."""
    db.session.execute(
        sa.update(Timesheet)
        .where(Timesheet.export_lock_id == batch.id)
        .values(export_lock_id=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        batch.company_id,
        batch.requested_by,
        "export.not_queued",
        batch,
        _("Envoi non commencé : la file des tâches était injoignable"),
        lines=batch.line_count,
    )
    db.session.delete(batch)
