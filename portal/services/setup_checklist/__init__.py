"""Mise en route: the setup guide's steps, each with its live state from the portal's own data.

The integration page opens with it. A step is *done*, *to do* or *failing*; each says what the
portal knows (when, how many records), where to do it, and what to fix when it fails. Every
figure comes from a bounded number of queries, whatever the number of projects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import BatchStatus, ExportBatch, Integration, SyncSchedule, SyncSection, db
from portal.models.schedule import ScheduleMode
from portal.services import schedule_status
from portal.services.setup_checklist.connection import connection_steps
from portal.services.setup_checklist.steps import DONE, FAILING, TODO, Link, Step, localized
from portal.services.setup_checklist.synced import activities_step, section_steps


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.state == DONE for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)

    @property
    def failing(self) -> list[Step]:
        return [step for step in self.steps if step.state == FAILING]


def checklist(integration: Integration, section_slugs: Mapping[SyncSection, str]) -> Checklist:
    """The guide's steps for ``integration``, as its data stands now; ``section_slugs``
    names each section's page in the URLs."""
    return Checklist(
        [
            *connection_steps(integration),
            *section_steps(integration, section_slugs),
            activities_step(integration),
            _schedules_step(integration),
            _payroll_step(integration),
        ]
    )


def _schedules_step(integration: Integration) -> Step:
    title = _("Synchronisation planifiée")
    link = Link("settings.integration_detail", {"integration_id": integration.id})
    failures = schedule_status.unacknowledged_failures(integration.company_id, integration.id)
    if failures:
        failure = failures[0]
        message = localized(failure.run.error, "message") or _(
            "Une synchronisation planifiée a échoué."
        )
        return Step(
            "schedules",
            title,
            FAILING,
            message,
            link,
            _("Corrigez la cause, puis cliquez sur « Reprendre » ou « J'ai compris »."),
            failure.run.finished_at,
        )
    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            SyncSchedule.company_id == integration.company_id,
            SyncSchedule.integration_id == integration.id,
            SyncSchedule.mode != ScheduleMode.MANUAL,
        )
    )
    if not count:
        return Step(
            "schedules",
            title,
            TODO,
            _(
                "Aucune section n'est planifiée : dans l'onglet d'une section, choisissez "
                "« Chaque heure » ou « Chaque jour »."
            ),
            link,
        )
    return Step("schedules", title, DONE, _("%(n)d planification(s) active(s).", n=count), link)


def _payroll_step(integration: Integration) -> Step:
    title = _("Premier envoi de la paie")
    link = Link("timesheets.export_index")
    batches = sa.select(ExportBatch).where(
        ExportBatch.company_id == integration.company_id,
        ExportBatch.integration_id == integration.id,
    )
    committed = db.session.scalar(
        batches.where(ExportBatch.status == BatchStatus.COMMITTED)
        .order_by(ExportBatch.id.desc())
        .limit(1)
    )
    latest = db.session.scalar(batches.order_by(ExportBatch.id.desc()).limit(1))
    if latest is not None and latest.status in (
        BatchStatus.REJECTED,
        BatchStatus.INTERRUPTED,
        BatchStatus.FAILED,
    ):
        link = Link("timesheets.export_batch", {"batch_id": latest.id})
        return Step(
            "payroll",
            title,
            FAILING,
            localized(latest.error, "message") or str(latest.status.label),
            link,
            localized(latest.error, "fix") or _("Ouvrez le lot pour voir quoi corriger."),
            latest.finished_at or latest.created_at,
        )
    if committed is None:
        return Step(
            "payroll",
            title,
            TODO,
            _("Validez des feuilles de temps, puis envoyez-les dans « Exportation vers la paie »."),
            link,
        )
    detail = _(
        "Lot %(batch)s : %(lines)d ligne(s) de %(sheets)d feuille(s).",
        batch=committed.avantage_batch or "?",
        lines=committed.line_count,
        sheets=committed.sheet_count,
    )
    return Step("payroll", title, DONE, detail, link, at=committed.finished_at)
