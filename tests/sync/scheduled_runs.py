"""Runs a schedule started, written directly: a history of failures without a failing server."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import RunStatus, SyncRun, SyncSchedule
from portal.models.base import utcnow


def ended_run(
    schedule: SyncSchedule, minutes_ago: int = 1, status: RunStatus = RunStatus.FAILED
) -> SyncRun:
    """A run of ``schedule`` that ended ``minutes_ago`` with ``status`` (committed)."""
    moment = utcnow() - timedelta(minutes=minutes_ago)
    run = SyncRun(
        company_id=schedule.company_id,
        integration_id=schedule.integration_id,
        section=schedule.section,
        lock_key=schedule.lock_key,
        schedule_id=schedule.id,
        active=False,
        status=status,
        created_at=moment,
        finished_at=moment,
        error=None
        if status == RunStatus.SUCCEEDED
        else {"message_fr": "Avantage ne répond pas.", "message_en": "No answer."},
    )
    db.session.add(run)
    db.session.commit()
    return run
