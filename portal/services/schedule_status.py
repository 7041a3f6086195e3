"""What a page says of the schedules: a section's schedule card, and the failed scheduled runs
that put a banner on the integration page (and a badge in the settings menu) until a
Superadmin acknowledges them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.models import (
    Integration,
    Project,
    RunStatus,
    ScheduleMode,
    SyncRun,
    SyncSchedule,
    SyncSection,
    User,
    db,
)
from portal.services import audit
from portal.services.schedules import FAILED, failures_in_row, is_paused, pauses, schedule_for


@dataclass
class ScheduleCard:
    """A section's schedule as its card shows it."""

    mode: ScheduleMode
    daily_at: str | None
    next_run_at: datetime | None
    #: Failed scheduled runs in a row (a pause at FAILURES_TO_PAUSE).
    failures: int
    last_run: SyncRun | None

    @property
    def paused(self) -> bool:
        return pauses(self.mode, self.failures)


def schedule_card(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> ScheduleCard:
    schedule = schedule_for(integration, section, project)
    if schedule is None:
        return ScheduleCard(ScheduleMode.MANUAL, None, None, 0, None)
    last = db.session.scalar(
        sa.select(SyncRun)
        .where(SyncRun.schedule_id == schedule.id)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    failures = failures_in_row(schedule)
    paused = pauses(schedule.mode, failures)
    return ScheduleCard(
        schedule.mode,
        schedule.daily_at,
        None if paused else schedule.next_run_at,
        failures,
        last,
    )


@dataclass
class ScheduleFailure:
    """A scheduled run that failed and that no Superadmin has acknowledged yet."""

    schedule: SyncSchedule
    run: SyncRun
    paused: bool


def unacknowledged_failures(
    company_id: int, integration_id: int | None = None
) -> list[ScheduleFailure]:
    """The company's schedules whose newest ended run failed, not yet acknowledged."""
    newest = (
        sa.select(SyncRun.schedule_id, sa.func.max(SyncRun.id).label("run_id"))
        .where(
            SyncRun.company_id == company_id,
            SyncRun.schedule_id.is_not(None),
            SyncRun.active.is_(False),
            SyncRun.status.in_((*FAILED, RunStatus.SUCCEEDED)),
        )
        .group_by(SyncRun.schedule_id)
        .subquery()
    )
    query = (
        sa.select(SyncSchedule, SyncRun)
        .join(newest, newest.c.schedule_id == SyncSchedule.id)
        .join(SyncRun, SyncRun.id == newest.c.run_id)
        .where(
            SyncSchedule.company_id == company_id,
            SyncRun.status.in_(FAILED),
            sa.or_(
                SyncSchedule.acknowledged_run_id.is_(None),
                SyncSchedule.acknowledged_run_id < SyncRun.id,
            ),
        )
        .order_by(SyncRun.id.desc())
    )
    if integration_id is not None:
        query = query.where(SyncSchedule.integration_id == integration_id)
    return [
        ScheduleFailure(schedule, run, is_paused(schedule))
        for schedule, run in db.session.execute(query)
    ]


def acknowledge(company_id: int, integration_id: int, actor: User) -> int:
    """The banner's « J'ai compris »: the integration's failures shown so far are seen."""
    failures = unacknowledged_failures(company_id, integration_id)
    for failure in failures:
        failure.schedule.acknowledged_run_id = failure.run.id
    if failures:
        audit.record(
            company_id,
            actor,
            "schedule.acknowledge",
            failures[0].schedule.integration,
            ", ".join(str(failure.run.id) for failure in failures),
        )
    return len(failures)
