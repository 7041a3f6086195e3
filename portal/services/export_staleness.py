"""Stale knowledge, said: the synced sections a preflight relied on whose last successful
sync is older than EXPORT_SYNC_STALE_HOURS, or that were never synced."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.i18n import gettext as _
from portal.models import Integration, RunStatus, SyncRun, SyncSection, db
from portal.models.base import UTCDateTime, utcnow
from portal.services.export_data import PlannedLine, StaleSection


def stale_sections(
    integration: Integration, lines: list[PlannedLine], local: dict[SyncSection, dict[str, int]]
) -> list[StaleSection]:
    """The sections these lines rely on whose last successful sync is older than
    EXPORT_SYNC_STALE_HOURS (or that never were)."""
    lines = [line for line in lines if not line.is_reversal]  # they rely on no sync
    if not lines:
        return []
    kinds = {line.payload["kind"] for line in lines}
    needed = [SyncSection.EMPLOYEES, SyncSection.PROJECTS]
    if "hours" in kinds:
        needed += [SyncSection.TRADES, SyncSection.HOUR_TYPES]
    if "earning" in kinds:
        needed.append(SyncSection.EARNINGS)
    project_ids = local.get(SyncSection.PROJECTS, {})
    projects = sorted({line.payload["project"] for line in lines})
    finished = sa.func.max(
        sa.func.coalesce(SyncRun.finished_at, SyncRun.created_at), type_=UTCDateTime
    )
    last = {
        (section, project_id): when
        for section, project_id, when in db.session.execute(
            sa.select(SyncRun.section, SyncRun.project_id, finished)
            .where(
                SyncRun.integration_id == integration.id,
                SyncRun.status == RunStatus.SUCCEEDED,
                SyncRun.preview.is_(False),
                SyncRun.section.in_([*needed, SyncSection.ACTIVITIES]),
            )
            .group_by(SyncRun.section, SyncRun.project_id)
        )
    }
    cutoff = utcnow() - timedelta(hours=current_app.config["EXPORT_SYNC_STALE_HOURS"])
    stale = []
    for section in needed:
        when = last.get((section, None))
        if when is None or when < cutoff:
            stale.append(StaleSection(section, str(section.label), when))
        if section == SyncSection.PROJECTS:
            for project in projects:
                project_id = project_ids.get(project)
                when = last.get((SyncSection.ACTIVITIES, project_id))
                if project_id is not None and (when is None or when < cutoff):
                    label = _("Activités du projet %(number)s", number=project)
                    stale.append(StaleSection(SyncSection.ACTIVITIES, label, when, project_id))
    return stale
