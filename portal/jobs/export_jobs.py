"""Exportation vers la paie: queue a batch's run (Envoyer, Reprendre), detect it lost, and
the job that sends it."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from redis.exceptions import RedisError

from portal.avantage import AvantageError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import reaper
from portal.jobs.heartbeat import connected
from portal.jobs.queueing import (
    QueueUnavailableError,
    current_owner,
    enqueue,
    export_job_id,
    job_app,
    job_lost,
    settle_avantage_error,
    stale_seconds,
)
from portal.models import BatchStatus, ExportBatch
from portal.services import (
    export_batch,
    export_messages,
    export_recovery,
    export_run,
)
from portal.services.leases import Lease, LeaseLostError, has_expired

log = logging.getLogger(__name__)


def start_export(batch: ExportBatch) -> None:
    """Queue the batch's run (a new batch, or an interrupted one to resume).

    Queuing is a conditional UPDATE: of two Reprendre clicks, one queues the run and the
    other finds it queued. With Redis unreachable, a new batch is undone (nothing was sent,
    no batch is kept) and a batch to resume is kept as it was, to resume once the queue is
    back.
    """
    previous = {"status": batch.status, "error": batch.error, "attempts": batch.attempts}
    resuming = batch.status == BatchStatus.INTERRUPTED
    if not export_recovery.queue_attempt(batch):
        return
    try:
        enqueue(
            "portal.jobs.run_export",
            (batch.id, batch.attempts),
            export_job_id(batch),
            f"export batch {batch.id}",
        )
    except RedisError:
        log.exception("cannot enqueue export batch %s", batch.id)
        if resuming:
            export_recovery.undo_queue_attempt(batch, previous)
            db.session.commit()
            raise QueueUnavailableError(
                _(
                    "La file des tâches (Redis) est injoignable : le lot est conservé tel quel "
                    "et pourra être repris dès que la file sera de retour. Réessayez dans un "
                    "moment; si cela dure, prévenez l'administrateur du portail."
                )
            ) from None
        export_batch.discard_unsent(batch)
        db.session.commit()
        raise QueueUnavailableError(
            _(
                "La file des tâches (Redis) est injoignable : rien n'a été envoyé et aucun lot "
                "n'a été créé; les feuilles restent disponibles. Réessayez dans un moment; si "
                "cela dure, prévenez l'administrateur du portail."
            )
        ) from None


def refresh_export(batch: ExportBatch, now: datetime | None = None) -> ExportBatch:
    """Detect a batch whose worker died, or whose job or scheduled retry the queue lost: it
    becomes Interrompu (to resume) once begun in Avantage, else Échoué with its sheets freed."""
    if batch.status == BatchStatus.SENDING and has_expired(batch, now):
        reaper.reap_company(batch.company_id, now)
    elif batch.status == BatchStatus.QUEUED and job_lost(export_job_id(batch), now):
        export_recovery.abandon_lost(batch)
        db.session.commit()
    return batch


def run_export(batch_id: int, attempt: int) -> None:
    """RQ job: send one export batch (asking Avantage first what it already has).

    The batch is taken under a lease for run ``attempt``: a job of an earlier run, or a
    second job of this one, finds it held or moved on and does nothing."""
    app = job_app()
    with app.app_context():
        lease = Lease(ExportBatch, batch_id, current_owner(), stale_seconds())
        if not export_run.claim(lease, attempt):
            log.info("export batch %s run %s is held by another job, or over", batch_id, attempt)
            return
        batch = db.session.get(ExportBatch, batch_id)
        try:
            _send(app, batch, lease)
        except LeaseLostError:
            db.session.rollback()
            log.warning("export batch %s was taken over by another job: this one stops", batch_id)


def _send(app: Flask, batch: ExportBatch, lease: Lease) -> None:
    point = batch.integration.default_access_point
    if point is None:
        export_run.fail(batch, export_messages.NO_ACCESS_POINT, lease)
        db.session.commit()
        return
    try:
        with connected(app, lease, point) as client:
            export_run.send(batch, client, lease)
            # Before the heartbeat stops: its next renewal would wait for this transaction.
            db.session.commit()
    except AvantageError as error:
        if settle_avantage_error(
            error,
            lambda error, due_at: export_run.wait_for_retry(batch, error, due_at, lease),
            lambda error: export_run.fail(batch, error, lease),
        ):
            raise  # RQ runs the next attempt at due_at
    except LeaseLostError:
        raise
    except Exception:
        db.session.rollback()
        log.exception("export batch %s failed", batch.id)
        export_run.fail(batch, export_messages.UNEXPECTED, lease)
        db.session.commit()
        raise
    db.session.commit()
