"""The life of a SyncRun: opened once per section, progress, end, cancel, abandoned runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.avantage import AvantageError
from portal.errors import NotFoundError, PortalError
from portal.models import Integration, Project, RunStatus, SyncRun, SyncSection, User, db
from portal.models.base import get_in_company, utcnow
from portal.services import audit

#: How many notes (warnings, preview lines) a run keeps.
MAX_NOTES = 500


class SyncCancelledError(Exception):
    """Raised between pages when someone clicked Annuler."""


def lock_key(integration: Integration, section: SyncSection, project: Project | None) -> str:
    return f"{integration.id}:{section.value}:{project.id if project else '-'}"


def active_run(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> SyncRun | None:
    return db.session.scalar(
        db.select(SyncRun).where(
            SyncRun.lock_key == lock_key(integration, section, project), SyncRun.active.is_(True)
        )
    )


def open_run(
    integration: Integration,
    section: SyncSection,
    actor: User,
    *,
    full: bool,
    preview: bool,
    project: Project | None = None,
) -> tuple[SyncRun, bool]:
    """The queued or running run of the section, or a new queued one (committed).

    Returns (run, created). A unique index on active runs makes two simultaneous clicks
    (two tabs, two users) end up with the same run.
    """
    existing = active_run(integration, section, project)
    if existing is not None:
        return existing, False
    last = last_success(integration, section, project)
    run = SyncRun(
        company_id=integration.company_id,
        integration_id=integration.id,
        section=section,
        project_id=project.id if project else None,
        lock_key=lock_key(integration, section, project),
        full=full,
        preview=preview,
        requested_by_id=actor.id,
        since=None if full or last is None else last.server_time,
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = active_run(integration, section, project)
        if existing is None:
            raise
        return existing, False
    audit.record(
        integration.company_id,
        actor,
        "sync.start",
        run,
        f"{integration.external_id} : {section.label}"
        + (f" ({project.number})" if project else ""),
        full=full,
        preview=preview,
    )
    db.session.commit()
    return run, True


def last_success(
    integration: Integration, section: SyncSection, project: Project | None = None
) -> SyncRun | None:
    """The latest successful run that wrote (not a preview): the base of an incremental run."""
    return db.session.scalar(
        db.select(SyncRun)
        .where(
            SyncRun.lock_key == lock_key(integration, section, project),
            SyncRun.status == RunStatus.SUCCEEDED,
            SyncRun.preview.is_(False),
        )
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )


def history(
    integration: Integration, section: SyncSection, project: Project | None = None, limit: int = 10
) -> list[SyncRun]:
    return list(
        db.session.scalars(
            db.select(SyncRun)
            .where(SyncRun.lock_key == lock_key(integration, section, project))
            .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
            .limit(limit)
        )
    )


def get_run(company_id: int, run_id: int) -> SyncRun:
    run = get_in_company(SyncRun, company_id, run_id)
    if run is None:
        raise NotFoundError()
    return run


def mark_started(run: SyncRun, server_time: str | None) -> None:
    now = utcnow()
    run.status, run.attempts = RunStatus.RUNNING, run.attempts + 1
    run.started_at = run.started_at or now
    run.heartbeat_at, run.server_time = now, server_time
    run.error = None


def report_progress(run: SyncRun, *, total: int | None) -> None:
    """Record that a page was processed (the caller commits it with the page)."""
    run.total = total
    run.heartbeat_at = utcnow()


def check_cancelled(run: SyncRun) -> None:
    """Raise SyncCancelledError if someone clicked Annuler (read fresh from the database)."""
    cancel = db.session.scalar(db.select(SyncRun.cancel_requested).where(SyncRun.id == run.id))
    if cancel:
        raise SyncCancelledError()


def add_note(run: SyncRun, action: str, key: str, label: str) -> None:
    if len(run.notes) < MAX_NOTES:
        run.notes = [*run.notes, {"action": action, "key": key, "label": label}]


def _end(run: SyncRun, status: RunStatus) -> None:
    run.status, run.active = status, False
    run.finished_at = utcnow()


def finish(run: SyncRun) -> None:
    _end(run, RunStatus.SUCCEEDED)


#: Our own reasons for ending a run, in both languages like the client's errors.
UNEXPECTED = {
    "type": "unexpected",
    "message_fr": "La synchronisation s'est arrêtée sur une erreur inattendue. Ce qui a été "
    "enregistré est cohérent.",
    "message_en": "The synchronisation stopped on an unexpected error. What was saved is "
    "consistent.",
    "fix_fr": "Relancez-la; si l'erreur revient, contactez le soutien.",
    "fix_en": "Run it again; if the error comes back, contact support.",
}
ABANDONED = {
    "type": "abandoned",
    "message_fr": "Le processus de travail qui exécutait cette synchronisation s'est arrêté "
    "sans la terminer. Ce qui a été enregistré est cohérent.",
    "message_en": "The worker running this synchronisation stopped before finishing it. "
    "What was saved is consistent.",
    "fix_fr": "Relancez la synchronisation pour la terminer.",
    "fix_en": "Run the synchronisation again to finish it.",
}
QUEUE_DOWN = {
    "type": "queue",
    "message_fr": "La file des tâches (Redis) était injoignable : rien n'a été lancé.",
    "message_en": "The task queue (Redis) could not be reached: nothing was started.",
    "fix_fr": "Vérifiez que Redis et worker.py fonctionnent, puis relancez.",
    "fix_en": "Check that Redis and worker.py are running, then run it again.",
}
NO_ACCESS_POINT = {
    "type": "access_point",
    "message_fr": "L'intégration n'a plus de point d'accès par défaut.",
    "message_en": "The integration has no default access point any more.",
    "fix_fr": "Ajoutez un point d'accès et définissez-le par défaut.",
    "fix_en": "Add an access point and make it the default.",
}
LOST = {
    "type": "lost",
    "message_fr": "La file d'attente a perdu cette synchronisation (Redis a redémarré?).",
    "message_en": "The queue lost this synchronisation (did Redis restart?).",
    "fix_fr": "Relancez la synchronisation.",
    "fix_en": "Run the synchronisation again.",
}


def error_report(error: AvantageError) -> dict:
    """The client's typed error as stored on a run: both languages, never a secret."""
    return {
        "type": type(error).__name__,
        "message_fr": error.message_fr,
        "message_en": error.message_en,
        "fix_fr": error.fix_fr,
        "fix_en": error.fix_en,
    }


def portal_error_report(error: PortalError) -> dict:
    """One of our own refusals (already in the worker's language) as a run's error."""
    message = str(error.message)
    return {
        "type": type(error).__name__,
        "message_fr": message,
        "message_en": message,
        "fix_fr": "",
        "fix_en": "",
    }


def fail(run: SyncRun, error: AvantageError | dict) -> None:
    """End the run as failed with the client's typed message or one of ours."""
    run.error = error_report(error) if isinstance(error, AvantageError) else dict(error)
    _end(run, RunStatus.FAILED)


def note_retry(run: SyncRun, error: AvantageError) -> None:
    """A transient failure that the queue will retry: say so while the run stays active."""
    run.error = {**error_report(error), "retrying": True}
    run.status, run.heartbeat_at = RunStatus.QUEUED, utcnow()


def cancel(run: SyncRun, actor: User) -> None:
    """Ask a running run to stop between pages; a queued one stops at once."""
    if not run.status.active:
        return
    run.cancel_requested = True
    if run.status == RunStatus.QUEUED:
        _end(run, RunStatus.CANCELLED)
    audit.record(run.company_id, actor, "sync.cancel", run, f"{run.section.label} #{run.id}")


def mark_cancelled(run: SyncRun) -> None:
    _end(run, RunStatus.CANCELLED)


def mark_abandoned(run: SyncRun, reason: dict = ABANDONED) -> None:
    run.error = dict(reason)
    _end(run, RunStatus.ABANDONED)


def abandon_stale_runs(company_id: int, now: datetime, stale_after: float) -> int:
    """Mark running runs whose worker stopped reporting (killed) as abandoned."""
    limit = now - timedelta(seconds=stale_after)
    stale = db.session.scalars(
        db.select(SyncRun).where(
            SyncRun.company_id == company_id,
            SyncRun.status == RunStatus.RUNNING,
            sa.or_(SyncRun.heartbeat_at < limit, SyncRun.heartbeat_at.is_(None)),
        )
    )
    count = 0
    for run in stale:
        mark_abandoned(run)
        count += 1
    return count
