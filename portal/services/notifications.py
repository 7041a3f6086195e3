"""Notifications: who is told of what, once.

The events are found, not pushed: ``sweep`` (run every minute by the scheduler's job) takes
each scheduled run that failed and each payroll batch Avantage rejected that nobody was told of
yet, claims it with a conditional UPDATE of its ``notified_at`` (one sweep wins, whatever ran
at the same time), and writes one notification per person: the company's Superadmins, and for
a batch its sender too. A run failed by a dying worker or by the reaper is found like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from portal.i18n import gettext as _
from portal.models import (
    BatchStatus,
    ExportBatch,
    Licence,
    Notification,
    RunStatus,
    SyncRun,
    SyncSchedule,
    User,
    db,
)
from portal.services.schedules import FAILURES_TO_PAUSE, is_paused

SCHEDULE_FAILED, SCHEDULE_PAUSED, BATCH_REJECTED = (
    "schedule_failed",
    "schedule_paused",
    "batch_rejected",
)
#: Older events are not told of (say, the runs of before the notifications existed).
LOOKBACK = timedelta(days=7)
#: Notifications per page of the list.
PER_PAGE = 25


def _both(text: Callable[[], str]) -> tuple[str, str]:
    """``text()`` written in French and in English."""
    with force_locale("fr_CA"):
        french = str(text())
    with force_locale("en_CA"):
        english = str(text())
    return french, english


def superadmins(company_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.company_id == company_id,
                User.active.is_(True),
                User.is_superadmin.is_(True),
                User.licence == Licence.MANAGEMENT,
            )
        )
    )


def _claim(model, row_id: int, now: datetime) -> bool:
    return bool(
        db.session.execute(
            sa.update(model)
            .where(model.id == row_id, model.notified_at.is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _add(company_id: int, people: list[User], kind: str, texts, link: str) -> list[Notification]:
    made = [
        Notification(
            company_id=company_id,
            user_id=person.id,
            kind=kind,
            message_fr=texts[0],
            message_en=texts[1],
            link=link[:300],
        )
        for person in {person.id: person for person in people}.values()
    ]
    db.session.add_all(made)
    return made


def _run_texts(run: SyncRun, paused: bool) -> tuple[str, str]:
    section = run.section
    where = f" ({run.project.number})" if run.project is not None else ""

    def text() -> str:
        label = f"{section.label}{where}"
        if paused:
            return _(
                "La synchronisation planifiée « %(section)s » a échoué %(n)d fois de suite : sa "
                "planification est en pause. Corrigez la cause, puis cliquez sur Reprendre.",
                section=label,
                n=FAILURES_TO_PAUSE,
            )
        return _(
            "La synchronisation planifiée « %(section)s » a échoué. Ouvrez-la pour voir pourquoi "
            "et quoi faire.",
            section=label,
        )

    return _both(text)


def _batch_texts(batch: ExportBatch) -> tuple[str, str]:
    def text() -> str:
        return _(
            "Avantage a refusé le lot de paie n° %(batch)s : %(n)d ligne(s) en erreur, rien n'a "
            "été enregistré. Corrigez les lignes signalées, puis envoyez de nouveau.",
            batch=batch.id,
            n=batch.rejected_count,
        )

    return _both(text)


def sweep(now: datetime) -> list[Notification]:
    """Notify every failed scheduled run and rejected batch not told of yet (committed)."""
    made: list[Notification] = []
    since = now - LOOKBACK
    failed_runs = db.session.scalars(
        sa.select(SyncRun).where(
            SyncRun.schedule_id.is_not(None),
            SyncRun.status.in_((RunStatus.FAILED, RunStatus.ABANDONED)),
            SyncRun.notified_at.is_(None),
            SyncRun.finished_at >= since,
        )
    ).all()
    for run in failed_runs:
        if not _claim(SyncRun, run.id, now):
            continue
        schedule = db.session.get(SyncSchedule, run.schedule_id)
        paused = schedule is not None and is_paused(schedule)
        kind = SCHEDULE_PAUSED if paused else SCHEDULE_FAILED
        link = f"/synchro/executions/{run.id}/details"
        made += _add(
            run.company_id, superadmins(run.company_id), kind, _run_texts(run, paused), link
        )
    rejected = db.session.scalars(
        sa.select(ExportBatch).where(
            ExportBatch.status == BatchStatus.REJECTED,
            ExportBatch.notified_at.is_(None),
            ExportBatch.finished_at >= since,
        )
    ).all()
    for batch in rejected:
        if not _claim(ExportBatch, batch.id, now):
            continue
        people = superadmins(batch.company_id)
        if batch.requested_by is not None and batch.requested_by.active:
            people.append(batch.requested_by)
        link = f"/feuilles-de-temps/exportation/lots/{batch.id}"
        made += _add(batch.company_id, people, BATCH_REJECTED, _batch_texts(batch), link)
    db.session.commit()
    return made


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def page_of(user: User, page: int = 1):
    """A page of ``user``'s notifications, newest first."""
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user.id, Notification.company_id == user.company_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def mark_all_read(user: User, now: datetime) -> int:
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def set_email_preference(user: User, wanted: bool) -> None:
    user.notify_by_email = wanted


def to_email(notifications: list[Notification], mail_configured: bool) -> list[int]:
    """The ids of the notifications to e-mail: SMTP set, and the person wants it and has a
    real address."""
    if not mail_configured:
        return []
    people = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User).where(User.id.in_({n.user_id for n in notifications}))
        )
    }
    return [
        notification.id
        for notification in notifications
        if (person := people.get(notification.user_id)) is not None
        and person.notify_by_email
        and not person.email_is_placeholder
    ]
