"""Synchronisation planifiée: the job RQ's CronScheduler (``scheduler.py``) enqueues every
minute. It fires each due schedule once, whoever else runs it at the same time."""

from __future__ import annotations

import logging
from datetime import datetime

from portal.errors import PortalError
from portal.jobs.queueing import QueueUnavailableError, job_app
from portal.jobs.sync_jobs import start_sync
from portal.models import SyncSchedule, db
from portal.models.base import utcnow
from portal.services import project_links, runs, schedules

log = logging.getLogger(__name__)


def run_due_schedules() -> int:
    """RQ job: start the run of every schedule whose time has come; how many it fired."""
    with job_app().app_context():
        return fire_due(utcnow())


def fire_due(now: datetime) -> int:
    """Fire every due schedule this caller claims (two schedulers at once: one each)."""
    fired = 0
    for schedule in schedules.due_schedules(now):
        if schedules.claim(schedule, now):
            fire(schedule, now)
            fired += 1
    return fired


def fire(schedule: SyncSchedule, now: datetime) -> None:
    """Start the schedule's run, or record it as skipped when the section is busy; a run
    that cannot start is recorded as failed, so the failure banner tells the office."""
    integration, project, section = schedule.integration, schedule.project, schedule.section
    busy = runs.active_run(integration, section, project)
    if busy is not None:
        schedules.record_skip(schedule, busy, now)
        return
    full = project is not None and project_links.needs_full_run(integration, section, project)
    try:
        run = start_sync(integration, section, None, full=full, project=project, schedule=schedule)
    except QueueUnavailableError:
        return  # the run is recorded as failed already (the queue was down)
    except PortalError as error:
        db.session.rollback()
        log.warning("schedule %s could not start: %s", schedule.id, error.message)
        run, created = runs.open_run(
            integration,
            section,
            None,
            full=False,
            preview=False,
            project=project,
            schedule=schedule,
        )
        if created:
            runs.fail(run, runs.portal_error_report(error))
            db.session.commit()
        return
    if run.schedule_id != schedule.id:  # someone clicked Synchroniser in between
        schedules.record_skip(schedule, run, now)
