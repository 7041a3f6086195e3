"""Synchronisation planifiée: schedules saved from the section, fired with the clock moved
(never waited for), once after downtime, once by two schedulers at once, skipped when the
section is busy, paused after three failures, resumed; RQ's CronScheduler enqueues the job."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rq.cron import CronScheduler

import scheduler
from portal.extensions import db, queue
from portal.jobs import schedule_jobs
from portal.models import (
    AuditEvent,
    Company,
    RunStatus,
    ScheduleMode,
    SyncRun,
    SyncSchedule,
    SyncSection,
)
from portal.models.base import utcnow
from portal.services import schedule_status, schedules
from tests.fixtures.queue import work
from tests.sync.scheduled_runs import ended_run

TRADES = SyncSection.TRADES
ROOT = Path(__file__).resolve().parents[2]
TORONTO = ZoneInfo("America/Toronto")
HTMX = {"HX-Request": "true"}


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 06:00 in Toronto is 11:00 UTC in winter (EST) and 10:00 UTC in summer (EDT).
        (_utc(2026, 12, 3, 12, 0), _utc(2026, 12, 4, 11, 0)),
        (_utc(2026, 12, 3, 10, 59), _utc(2026, 12, 3, 11, 0)),
        (_utc(2027, 3, 13, 12, 0), _utc(2027, 3, 14, 10, 0)),  # the night clocks go forward
        (_utc(2026, 10, 31, 11, 0), _utc(2026, 11, 1, 11, 0)),  # the night clocks go back
    ],
)
def test_a_daily_time_is_read_in_the_company_time_zone(after, expected):
    assert schedules.next_run(ScheduleMode.DAILY, "06:00", TORONTO, after) == expected


def test_hourly_is_the_next_top_of_the_hour_and_manual_never():
    after = _utc(2026, 12, 3, 14, 25, 10)
    assert schedules.next_run(ScheduleMode.HOURLY, None, TORONTO, after) == _utc(2026, 12, 3, 15)
    assert schedules.next_run(ScheduleMode.MANUAL, None, TORONTO, after) is None
    # 01:30 EDT on the night clocks go back: next is 01:00 EST, one real hour later.
    fall_back = _utc(2026, 11, 1, 5, 30)
    assert schedules.next_run(ScheduleMode.HOURLY, None, TORONTO, fall_back) == _utc(2026, 11, 1, 6)
    # Newfoundland is off UTC by half an hour: its hours start at :30 UTC.
    st_johns = ZoneInfo("America/St_Johns")
    assert schedules.next_run(ScheduleMode.HOURLY, None, st_johns, after) == _utc(
        2026, 12, 3, 14, 30
    )


@pytest.fixture
def integration(connect, make_simulator):
    return connect(make_simulator(employees=3))


def _schedule(integration, mode=ScheduleMode.HOURLY, due_in=timedelta(minutes=-1), project=None):
    """A schedule of Métiers, set an hour ago, due ``due_in`` from now (past: due already)."""
    schedule = schedules.save_schedule(integration, TRADES, project, mode, "06:00", None)
    schedule.next_run_at = utcnow() + due_in
    schedule.resumed_at = utcnow() - timedelta(hours=1)  # set an hour ago
    db.session.commit()
    return schedule


def _runs(schedule) -> list[SyncRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(SyncRun).where(SyncRun.schedule_id == schedule.id).order_by(SyncRun.id)
        )
    )


def test_the_section_saves_its_schedule_and_shows_the_next_run(client, integration, superadmin):
    url = f"/parametres/integrations/{integration.id}/synchro/metiers/planification"

    response = client.post(url, data={"mode": "daily", "daily_at": "06:30"}, headers=HTMX)

    assert response.status_code == 200
    card = html.unescape(response.text)
    assert "Chaque jour à 06:30" in card
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == (
        "Planification enregistrée."
    )
    schedule = schedules.schedule_for(integration, TRADES)
    local = schedule.next_run_at.astimezone(TORONTO)
    assert (local.hour, local.minute) == (6, 30) and schedule.next_run_at > utcnow()
    assert (
        db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "schedule.change")
        ).user_id
        == superadmin.id
    )

    refused = client.post(url, data={"mode": "daily", "daily_at": "25:00"}, headers=HTMX)
    assert "Indiquez l'heure au format HH:MM" in html.unescape(refused.text)
    assert schedules.schedule_for(integration, TRADES).daily_at == "06:30"


def test_a_due_schedule_starts_a_run_attributed_to_planification(
    client, rq, integration, superadmin
):
    schedule = _schedule(integration)

    assert schedule_jobs.fire_due(utcnow()) == 1
    work()

    [run] = _runs(schedule)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.requested_by_id is None and run.created > 0
    history = html.unescape(
        client.get(f"/parametres/integrations/{integration.id}/synchro/metiers/historique").text
    )
    assert "Planification" in history
    db.session.refresh(schedule)
    assert schedule.next_run_at > utcnow()


def test_after_downtime_a_missed_schedule_runs_once(rq, integration, superadmin):
    schedule = _schedule(integration, due_in=-timedelta(hours=7))  # seven hourly firings missed
    now = utcnow()

    assert schedule_jobs.fire_due(now) == 1
    assert schedule_jobs.fire_due(now) == 0
    db.session.refresh(schedule)
    assert now < schedule.next_run_at <= now + timedelta(hours=1)
    # Not again before its next time, however close to it the clock is.
    assert schedule_jobs.fire_due(schedule.next_run_at - timedelta(seconds=1)) == 0
    assert len(_runs(schedule)) == 1


def test_two_schedulers_at_once_start_one_run(app, rq, integration, superadmin):
    schedule = _schedule(integration)
    now, fired, start = utcnow(), [], threading.Barrier(2)

    def scheduler_job() -> None:
        with app.app_context():
            start.wait()
            fired.append(schedule_jobs.fire_due(now))
            db.session.remove()

    threads = [threading.Thread(target=scheduler_job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(fired) == [0, 1]
    assert len(_runs(schedule)) == 1


def test_a_firing_while_the_section_runs_is_recorded_as_skipped(
    client, rq, integration, superadmin
):
    from portal import jobs

    busy = jobs.start_sync(integration, TRADES, superadmin)  # queued, not worked yet
    schedule = _schedule(integration)

    assert schedule_jobs.fire_due(utcnow()) == 1

    [skipped] = _runs(schedule)
    assert skipped.status == RunStatus.SKIPPED and not skipped.active
    assert f"n° {busy.id}" in skipped.error["message_fr"]
    history = html.unescape(
        client.get(f"/parametres/integrations/{integration.id}/synchro/metiers/historique").text
    )
    assert "Ignorée" in history


def test_a_run_that_cannot_start_is_recorded_as_failed(rq, integration, superadmin):
    schedule = _schedule(integration)
    integration.default_access_point.is_default = False
    db.session.commit()
    assert integration.default_access_point is None

    assert schedule_jobs.fire_due(utcnow()) == 1

    [failed] = _runs(schedule)
    assert failed.status == RunStatus.FAILED
    assert "point d'accès par défaut" in failed.error["message_fr"]


def test_three_failures_in_a_row_pause_the_schedule_until_reprendre(
    client, rq, integration, superadmin
):
    schedule = _schedule(integration)
    for minutes_ago in (30, 20, 10):
        ended_run(schedule, minutes_ago)
    page_url = f"/parametres/integrations/{integration.id}/synchro/metiers"

    assert schedule_jobs.fire_due(utcnow()) == 0  # paused: nothing starts
    db.session.refresh(schedule)
    assert schedule.next_run_at is None
    page = html.unescape(client.get(page_url).text)
    assert "En pause après 3 échecs de suite" in page
    assert "Une synchronisation planifiée a échoué." in page  # the banner
    settings = client.get(f"/parametres/integrations/{integration.id}").text
    assert 'class="badge badge-err"' in settings

    client.post(f"{page_url}/planification/reprendre", headers=HTMX)
    db.session.refresh(schedule)
    assert schedule.next_run_at is not None and not schedules.is_paused(schedule)
    assert "En pause" not in html.unescape(client.get(page_url).text)

    client.post(f"/parametres/integrations/{integration.id}/synchro/planification/vu")
    assert schedule_status.unacknowledged_failures(integration.company_id) == []
    assert "Une synchronisation planifiée a échoué." not in html.unescape(client.get(page_url).text)


def test_a_success_between_failures_starts_the_count_again(integration, superadmin):
    schedule = _schedule(integration)
    ended_run(schedule, 40)
    ended_run(schedule, 30)
    ended_run(schedule, 20, RunStatus.SUCCEEDED)
    ended_run(schedule, 10)
    assert schedules.failures_in_row(schedule) == 1 and not schedules.is_paused(schedule)


def test_a_new_time_zone_moves_the_daily_schedules(integration, superadmin, client):
    schedule = _schedule(integration, mode=ScheduleMode.DAILY, due_in=timedelta(hours=5))
    client.post("/parametres/fuseau-horaire", data={"time_zone": "America/Vancouver"})

    db.session.expire_all()
    assert db.session.get(Company, superadmin.company_id).time_zone == "America/Vancouver"
    local = db.session.get(SyncSchedule, schedule.id).next_run_at.astimezone(
        ZoneInfo("America/Vancouver")
    )
    assert (local.hour, local.minute) == (6, 0)
    client.post("/parametres/fuseau-horaire", data={"time_zone": "Mars/Olympus"})
    db.session.expire_all()
    assert db.session.get(Company, superadmin.company_id).time_zone == "America/Vancouver"


def test_rq_cron_scheduler_enqueues_the_due_schedules_job(rq, integration, superadmin):
    schedule = _schedule(integration)
    cron = scheduler.cron_scheduler(queue.connection, queue.queue.name)
    job, notify, nightly = cron.get_jobs()
    assert job.cron == notify.cron == scheduler.EVERY_MINUTE
    assert notify.func_name == "portal.jobs.notify_jobs.run_notifications"
    assert nightly.cron == scheduler.EVERY_NIGHT
    assert nightly.func_name == "portal.jobs.reconcile_jobs.run_daily_reconciliation"

    job.enqueue(queue.connection)
    work()  # runs the due-schedules job, which queues the sync; the burst worker runs it too

    [run] = _runs(schedule)
    assert run.status == RunStatus.SUCCEEDED, run.error


def test_the_scheduler_process_registers_with_rq_and_stops_on_sigterm(app, rq, redis_url, tmp_path):
    """``python scheduler.py`` as make demo and systemd start it: RQ lists its CronScheduler,
    and SIGTERM ends it cleanly (the schedules themselves are in the database)."""
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        SECRET_KEY=app.config["SECRET_KEY"],
        PORTAL_INSTANCE_PATH=str(tmp_path),
    )
    log = (tmp_path / "scheduler.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scheduler.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while not CronScheduler.all(queue.connection):
            assert process.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler never registered"
            time.sleep(0.1)
        [registered] = CronScheduler.all(queue.connection)
        assert registered.pid == process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        log.close()
    assert CronScheduler.all(queue.connection) == []
