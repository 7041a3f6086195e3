"""The sync steps of Mise en route: each company section's last run and how many of its
records are linked, then the activities of each linked project. Grouped queries only: the
cost does not grow with the number of projects."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import (
    ExpenseType,
    HourType,
    Integration,
    RecordLink,
    RemoteRecord,
    RunStatus,
    SyncRun,
    SyncSection,
    db,
)
from portal.services.schedules import FAILED
from portal.services.setup_checklist.steps import DONE, FAILING, TODO, Link, Step, localized

#: The company sections of the guide, in its order (Fournisseurs and Bons de commande are not
#: needed to send payroll).
SECTIONS = (
    SyncSection.PROJECTS,
    SyncSection.EMPLOYEES,
    SyncSection.HOUR_TYPES,
    SyncSection.TRADES,
    SyncSection.EARNINGS,
)
#: The mapping grids: each of the portal's active types must have its Avantage code, or the
#: export refuses the lines that use it.
MAPPED = {SyncSection.HOUR_TYPES: HourType, SyncSection.EARNINGS: ExpenseType}


def _last_runs(integration: Integration, sections, *, per_project: bool) -> dict:
    """The newest run that ended or is under way (no preview, no skipped firing) per section,
    or per project for a project section."""
    group = SyncRun.project_id if per_project else SyncRun.section
    newest = (
        sa.select(sa.func.max(SyncRun.id))
        .where(
            SyncRun.company_id == integration.company_id,
            SyncRun.integration_id == integration.id,
            SyncRun.section.in_(sections),
            SyncRun.project_id.is_not(None) if per_project else SyncRun.project_id.is_(None),
            SyncRun.preview.is_(False),
            SyncRun.status.not_in((RunStatus.SKIPPED, RunStatus.CANCELLED)),
        )
        .group_by(group)
    )
    runs = db.session.scalars(sa.select(SyncRun).where(SyncRun.id.in_(newest.scalar_subquery())))
    return {(run.project_id if per_project else run.section): run for run in runs}


def _counts(integration: Integration, model, *where) -> dict[SyncSection, int]:
    query = (
        sa.select(model.entity, sa.func.count())
        .where(
            model.company_id == integration.company_id,
            model.integration_id == integration.id,
            *where,
        )
        .group_by(model.entity)
    )
    return dict(db.session.execute(query).all())


def _run_step(key: str, title: str, run: SyncRun | None, link: Link, detail: str) -> Step:
    """A step whose state is its last run's: ``detail`` says what a finished run left."""
    if run is None:
        return Step(key, title, TODO, _("Jamais synchronisé : cliquez sur « Synchroniser »."), link)
    if run.status in FAILED:
        message = localized(run.error, "message") or _("La dernière synchronisation a échoué.")
        fix = localized(run.error, "fix") or _("Relancez la synchronisation.")
        return Step(key, title, FAILING, message, link, fix, run.finished_at or run.created_at)
    if run.status.active:
        return Step(key, title, TODO, _("Synchronisation en cours."), link, at=run.created_at)
    return Step(key, title, DONE, detail, link, at=run.finished_at)


def section_steps(integration: Integration, slugs: Mapping[SyncSection, str]) -> list[Step]:
    runs = _last_runs(integration, SECTIONS, per_project=False)
    listed = _counts(integration, RemoteRecord, RemoteRecord.removed_at.is_(None))
    linked = _counts(integration, RecordLink, RecordLink.local_id.is_not(None))
    steps = []
    for section in SECTIONS:
        link = Link(
            "company_sync.section", {"integration_id": integration.id, "slug": slugs[section]}
        )
        records, links = listed.get(section, 0), linked.get(section, 0)
        detail = _(
            "%(linked)d lié(s) sur %(listed)d enregistrement(s) d'Avantage.",
            linked=links,
            listed=records,
        )
        step = _run_step(section.value, str(section.label), runs.get(section), link, detail)
        if step.state == DONE and section in MAPPED:
            step = _mapping_step(integration, section, step)
        steps.append(step)
    return steps


def _mapping_step(integration: Integration, section: SyncSection, synced: Step) -> Step:
    """A mapping grid is done once each of the portal's active types has its Avantage code."""
    model = MAPPED[section]
    mapped = sa.exists().where(
        RecordLink.company_id == integration.company_id,
        RecordLink.integration_id == integration.id,
        RecordLink.entity == section,
        RecordLink.local_id == model.id,
    )
    active, with_code = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(mapped)).where(
            model.company_id == integration.company_id, model.active.is_(True)
        )
    ).one()
    detail = _(
        "%(mapped)d de vos %(active)d types actifs ont leur code d'Avantage.",
        mapped=with_code,
        active=active,
    )
    if with_code == active:
        return Step(synced.key, synced.title, DONE, detail, synced.link, at=synced.at)
    return Step(
        synced.key,
        synced.title,
        TODO,
        detail,
        synced.link,
        _("Dans la grille, choisissez le code d'Avantage de chacun de vos types."),
        synced.at,
    )


def activities_step(integration: Integration) -> Step:
    title = _("Activités des projets liés")
    linked = sa.select(RecordLink.local_id).where(
        RecordLink.company_id == integration.company_id,
        RecordLink.integration_id == integration.id,
        RecordLink.entity == SyncSection.PROJECTS,
        RecordLink.local_id.is_not(None),
    )
    project_ids = set(db.session.scalars(linked))
    projects = Link("project_admin.index")
    if not project_ids:
        return Step(
            "activities",
            title,
            TODO,
            _(
                "Aucun projet lié : dans Admin du projet, ouvrez un projet, puis "
                "« Configuration d'intégrations », et choisissez son projet Avantage."
            ),
            projects,
        )
    runs = _last_runs(integration, (SyncSection.ACTIVITIES,), per_project=True)
    runs = {project_id: run for project_id, run in runs.items() if project_id in project_ids}
    failed = [run for run in runs.values() if run.status in FAILED]
    synced = [run for run in runs.values() if run.status == RunStatus.SUCCEEDED]
    first_missing = min(project_ids - {run.project_id for run in synced}, default=None)
    link = (
        Link("project_admin.integration_config", {"project_id": failed[0].project_id})
        if failed
        else Link("project_admin.integration_config", {"project_id": first_missing})
        if first_missing is not None
        else projects
    )
    detail = _(
        "%(synced)d projet(s) lié(s) sur %(linked)d ont leurs activités synchronisées.",
        synced=len(synced),
        linked=len(project_ids),
    )
    latest = max((run.finished_at for run in synced if run.finished_at), default=None)
    if failed:
        run = failed[0]
        return Step(
            "activities",
            title,
            FAILING,
            localized(run.error, "message") or detail,
            link,
            localized(run.error, "fix") or _("Relancez la synchronisation des activités."),
            run.finished_at,
        )
    if first_missing is not None:
        return Step("activities", title, TODO, detail, link, at=latest)
    return Step("activities", title, DONE, detail, link, at=latest)
