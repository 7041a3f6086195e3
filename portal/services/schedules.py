"""Synchronisation planifiée: a section's schedule, when it is next due, and its claim.

A schedule is due when ``next_run_at`` has passed. Whoever fires it first claims it with one
conditional UPDATE that moves ``next_run_at`` to the next time after *now*: a second
scheduler (or a second worker) finds the row changed and does nothing, and after downtime a
missed schedule fires once, not once per missed hour. Times are computed in the company's
time zone (``zoneinfo``), so « chaque jour à 06:00 » stays 06:00 across a change of time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa

from portal.errors import ValidationError
from portal.i18n import gettext as _
from portal.models import (
    Company,
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
from portal.models.base import utcnow
from portal.services import audit, runs

#: Failed scheduled runs in a row that pause a schedule.
FAILURES_TO_PAUSE = 3
_DAILY_AT = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
#: What a failed scheduled run counts as (a skipped or cancelled run does not count).
FAILED = (RunStatus.FAILED, RunStatus.ABANDONED)


def company_zone(company_id: int) -> ZoneInfo:
    name = db.session.scalar(sa.select(Company.time_zone).where(Company.id == company_id))
    try:
        return ZoneInfo(name or "America/Toronto")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/Toronto")


def set_time_zone(company_id: int, name: str, actor: User) -> None:
    """Change the company's time zone (an IANA name); daily schedules follow it."""
    name = (name or "").strip()[:64]
    if name not in available_timezones():
        raise ValidationError(
            {"time_zone": _("Fuseau inconnu.")}, _("Choisissez un fuseau horaire de la liste.")
        )
    company = db.session.get(Company, company_id)
    before, company.time_zone = company.time_zone, name
    zone = ZoneInfo(name)
    now = utcnow()
    for schedule in db.session.scalars(
        sa.select(SyncSchedule).where(
            SyncSchedule.company_id == company_id, SyncSchedule.next_run_at.is_not(None)
        )
    ):
        schedule.next_run_at = next_run(schedule.mode, schedule.daily_at, zone, now)
    audit.record(company_id, actor, "company.time_zone", company, f"{before} → {name}")


def next_run(mode: ScheduleMode, daily_at: str | None, zone: ZoneInfo, after: datetime):
    """The first time strictly after ``after`` a schedule of ``mode`` is due (UTC); None
    when manual."""
    if mode == ScheduleMode.HOURLY:
        # The local top of the hour (a zone may be off UTC by half an hour), then one real
        # hour later: on the night the clocks go back, the repeated hour fires too.
        top = after.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        return top.astimezone(UTC) + timedelta(hours=1)
    if mode == ScheduleMode.DAILY and daily_at:
        hour, minute = (int(part) for part in daily_at.split(":"))
        local_day = after.astimezone(zone).date()
        for days in range(3):
            # A wall time a change of time skips (02:30 in spring) is read as zoneinfo reads it.
            due = datetime.combine(local_day + timedelta(days=days), time(hour, minute), zone)
            if due > after:
                return due.astimezone(UTC)
    return None


def schedule_for(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> SyncSchedule | None:
    return db.session.scalar(
        sa.select(SyncSchedule).where(
            SyncSchedule.lock_key == runs.lock_key(integration, section, project)
        )
    )


def save_schedule(
    integration: Integration,
    section: SyncSection,
    project: Project | None,
    mode: ScheduleMode,
    daily_at: str | None,
    actor: User,
) -> SyncSchedule:
    """Set the section's schedule (a new one, or changed); it is due from its next time."""
    if mode == ScheduleMode.DAILY and not _DAILY_AT.fullmatch(daily_at or ""):
        raise ValidationError(
            {"daily_at": _("Heure invalide (HH:MM).")},
            _("Indiquez l'heure au format HH:MM, par exemple 06:00."),
        )
    schedule = schedule_for(integration, section, project)
    before = _described(schedule)
    if schedule is None:
        schedule = SyncSchedule(
            company_id=integration.company_id,
            integration_id=integration.id,
            section=section,
            project_id=project.id if project else None,
            lock_key=runs.lock_key(integration, section, project),
        )
        db.session.add(schedule)
    now = utcnow()
    schedule.mode = mode
    schedule.daily_at = daily_at if mode == ScheduleMode.DAILY else None
    schedule.resumed_at = now
    schedule.next_run_at = next_run(
        mode, schedule.daily_at, company_zone(integration.company_id), now
    )
    db.session.flush()
    audit.record(
        integration.company_id,
        actor,
        "schedule.change",
        schedule,
        f"{integration.external_id} : {section.label}"
        + (f" ({project.number})" if project else ""),
        before=before,
        after=_described(schedule),
    )
    return schedule


def _described(schedule: SyncSchedule | None) -> dict[str, str | None]:
    """A schedule as the journal's « before → after » shows it."""
    if schedule is None or schedule.mode is None:
        return {"mode": ScheduleMode.MANUAL.value, "daily_at": None}
    return {"mode": schedule.mode.value, "daily_at": schedule.daily_at}


def resume(schedule: SyncSchedule, actor: User) -> None:
    """Reprendre: failures so far no longer count; the schedule is due from its next time."""
    now = utcnow()
    schedule.resumed_at = now
    schedule.next_run_at = next_run(
        schedule.mode, schedule.daily_at, company_zone(schedule.company_id), now
    )
    audit.record(schedule.company_id, actor, "schedule.resume", schedule, schedule.lock_key)


def due_schedules(now: datetime) -> list[SyncSchedule]:
    """Every company's schedules whose time has come (paused ones have no next time)."""
    return list(
        db.session.scalars(
            sa.select(SyncSchedule)
            .where(SyncSchedule.next_run_at <= now, SyncSchedule.mode != ScheduleMode.MANUAL)
            .order_by(SyncSchedule.next_run_at, SyncSchedule.id)
        )
    )


def claim(schedule: SyncSchedule, now: datetime) -> bool:
    """Take this firing of ``schedule``: True for exactly one of any number of callers.
    The schedule moves to its next time after ``now``, or is paused when its last runs
    failed ``FAILURES_TO_PAUSE`` times in a row."""
    due = schedule.next_run_at
    following = None
    if not is_paused(schedule):
        zone = company_zone(schedule.company_id)
        following = next_run(schedule.mode, schedule.daily_at, zone, now)
    claimed = db.session.execute(
        sa.update(SyncSchedule)
        .where(SyncSchedule.id == schedule.id, SyncSchedule.next_run_at == due)
        .values(next_run_at=following)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(schedule)
    return bool(claimed) and following is not None


def record_skip(schedule: SyncSchedule, busy: SyncRun, now: datetime) -> SyncRun:
    """A firing that found the section already queued or running: a history row says so."""
    skipped = SyncRun(
        company_id=schedule.company_id,
        integration_id=schedule.integration_id,
        section=schedule.section,
        project_id=schedule.project_id,
        lock_key=schedule.lock_key,
        schedule_id=schedule.id,
        active=False,
        status=RunStatus.SKIPPED,
        created_at=now,
        finished_at=now,
        error={
            "type": "skipped",
            "message_fr": f"Ignorée : la synchronisation n° {busy.id} était déjà en cours.",
            "message_en": f"Skipped: synchronization #{busy.id} was already under way.",
            "fix_fr": "",
            "fix_en": "",
        },
    )
    db.session.add(skipped)
    db.session.commit()
    return skipped


def failures_in_row(schedule: SyncSchedule) -> int:
    """Failed runs of the schedule since it was last set or resumed, newest first, up to
    the first one that did not fail (skipped and cancelled runs are left out)."""
    ended = (
        sa.select(SyncRun.status)
        .where(
            SyncRun.schedule_id == schedule.id,
            SyncRun.active.is_(False),
            SyncRun.status.in_((*FAILED, RunStatus.SUCCEEDED)),
        )
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(FAILURES_TO_PAUSE)
    )
    if schedule.resumed_at is not None:
        ended = ended.where(SyncRun.created_at >= schedule.resumed_at)
    count = 0
    for status in db.session.scalars(ended):
        if status not in FAILED:
            break
        count += 1
    return count


def pauses(mode: ScheduleMode, failures: int) -> bool:
    """Whether ``failures`` failed runs in a row pause a schedule of ``mode``."""
    return mode != ScheduleMode.MANUAL and failures >= FAILURES_TO_PAUSE


def is_paused(schedule: SyncSchedule) -> bool:
    return pauses(schedule.mode, failures_in_row(schedule))
