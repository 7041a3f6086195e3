"""Notifications: a failed scheduled run, a paused schedule and a rejected batch tell the
company's Superadmins (and the batch's sender) once, in the portal and, when SMTP is set,
through a real SMTP server in each person's language; none by e-mail when SMTP is not set or
the person turned it off."""

from __future__ import annotations

import html
from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from portal.extensions import db
from portal.jobs import notify_jobs
from portal.models import (
    BatchStatus,
    ExportBatch,
    Notification,
    ScheduleMode,
    SyncSection,
)
from portal.models.base import utcnow
from portal.services import notifications, schedules
from tests.fixtures.queue import work
from tests.sync.scheduled_runs import ended_run


@pytest.fixture
def integration(connect, make_simulator):
    return connect(make_simulator(employees=3))


@pytest.fixture
def schedule(integration):
    made = schedules.save_schedule(
        integration, SyncSection.TRADES, None, ScheduleMode.HOURLY, None, None
    )
    made.resumed_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    return made


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _notified(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)))


def test_a_failed_scheduled_run_tells_every_superadmin_once(
    schedule, superadmin, make_user, client
):
    other_admin = make_user("superadmin", locale="en_CA")
    employee = make_user("employee")
    run = ended_run(schedule)

    made = notifications.sweep(utcnow())
    assert notifications.sweep(utcnow()) == []  # told once

    assert {notification.user_id for notification in made} == {superadmin.id, other_admin.id}
    [mine] = _notified(superadmin)
    assert mine.kind == notifications.SCHEDULE_FAILED
    assert "« Métiers » a échoué" in mine.message_fr and "failed" in mine.message_en
    assert mine.link == f"/synchro/executions/{run.id}/details"
    assert _notified(employee) == []

    page = html.unescape(client.get("/notifications/").text)
    assert "« Métiers » a échoué" in page and f'href="{mine.link}"' in page
    assert '>1<span class="sr-only"> non lue</span>' in page
    client.post("/notifications/lues")
    assert _notified(superadmin)[0].read_at is not None


def test_the_third_failure_in_a_row_says_the_schedule_is_paused(schedule, superadmin):
    for minutes_ago in (30, 20):
        ended_run(schedule, minutes_ago)
    notifications.sweep(utcnow())
    ended_run(schedule, 5)

    [paused] = notifications.sweep(utcnow())
    assert paused.kind == notifications.SCHEDULE_PAUSED
    assert "planification est en pause" in paused.message_fr


def test_a_rejected_batch_tells_its_sender_and_the_superadmins(integration, superadmin, make_user):
    sender = make_user("ts_admin")
    batch = ExportBatch(
        company_id=superadmin.company_id,
        integration_id=integration.id,
        status=BatchStatus.REJECTED,
        requested_by_id=sender.id,
        rejected_count=2,
        finished_at=utcnow(),
    )
    db.session.add(batch)
    db.session.commit()

    made = notifications.sweep(utcnow())

    assert {n.user_id for n in made} == {superadmin.id, sender.id}
    assert all(n.kind == notifications.BATCH_REJECTED for n in made)
    assert f"n° {batch.id}" in made[0].message_fr and "2 ligne(s)" in made[0].message_fr
    assert made[0].link == f"/feuilles-de-temps/exportation/lots/{batch.id}"


def test_e_mails_go_through_smtp_in_each_language_with_the_link(
    rq, schedule, superadmin, make_user, smtp_server
):
    english = make_user("superadmin", locale="en_CA")
    make_user("superadmin", notify_by_email=False)  # turned e-mails off
    make_user("superadmin", email_is_placeholder=True, email="x@employes.invalid")
    run = ended_run(schedule)

    assert notify_jobs.run_notifications() == 4
    work()

    by_address = {message["To"]: message for message in smtp_server.messages}
    assert set(by_address) == {superadmin.email, english.email}
    french_body = by_address[superadmin.email].get_payload(decode=True).decode()
    english_mail = by_address[english.email]
    assert "une synchronisation planifiée a échoué" in _subject(by_address[superadmin.email])
    assert "a scheduled synchronization failed" in _subject(english_mail)
    link = f"https://portail.exemple.ca/synchro/executions/{run.id}/details"
    assert link in french_body and link in english_mail.get_payload(decode=True).decode()
    assert "failed" in english_mail.get_payload(decode=True).decode()
    emailed = [n for n in _notified(superadmin) if n.emailed_at is not None]
    assert len(emailed) == 1


def test_without_smtp_notifications_stay_in_the_portal(rq, app, schedule, superadmin):
    app.config["MAIL_SERVER"] = ""
    ended_run(schedule)

    assert notify_jobs.run_notifications() == 1
    assert rq.queue.count == 0  # no e-mail job
    assert _notified(superadmin)[0].emailed_at is None


def test_the_e_mail_preference_is_the_person_s_own(client, superadmin, smtp_server):
    client.post("/notifications/courriel", data={})
    db.session.expire_all()
    assert superadmin.notify_by_email is False
    page = html.unescape(client.get("/notifications/").text)
    assert "Recevoir aussi mes notifications par courriel" in page
    client.post("/notifications/courriel", data={"notify_by_email": "y"})
    db.session.expire_all()
    assert superadmin.notify_by_email is True
