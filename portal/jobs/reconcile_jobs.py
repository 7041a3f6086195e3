"""Rapprocher: the job that lists what Avantage holds of a batch and compares it, and the
daily job (from scheduler.py) that reconciles the batches of the last weeks."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError

from portal.avantage import AvantageError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs.heartbeat import connected
from portal.jobs.queueing import (
    QueueUnavailableError,
    current_owner,
    enqueue,
    job_app,
    reconcile_job_id,
    stale_seconds,
)
from portal.models import ExportBatch, Reconciliation, User
from portal.models.base import utcnow
from portal.services import reconciliation, runs
from portal.services.leases import Lease, LeaseLostError

log = logging.getLogger(__name__)

#: Why a reconciliation ended without a result (both languages; never a secret).
NO_ACCESS_POINT = {
    "type": "access_point",
    "message_fr": "L'intégration n'a pas de point d'accès par défaut : rien n'a pu être lu.",
    "message_en": "The integration has no default access point: nothing could be read.",
}


def start_reconciliation(batch: ExportBatch, actor: User | None) -> Reconciliation:
    """Queue Rapprocher for ``batch`` (or join the one under way)."""
    item, created = reconciliation.start(batch, actor)
    if created:
        try:
            enqueue(
                "portal.jobs.reconcile_jobs.run_reconciliation",
                (item.id,),
                reconcile_job_id(item),
                f"reconcile batch {batch.id}",
            )
        except RedisError:
            log.exception("cannot enqueue reconciliation %s", item.id)
            reconciliation.fail(item, {**reconciliation.LOST, "type": "queue_down"})
            raise QueueUnavailableError(
                _("La file des tâches (Redis) est injoignable : réessayez dans un moment.")
            ) from None
    return item


def run_reconciliation(reconciliation_id: int) -> None:
    """RQ job: one reconciliation, under a lease renewed by a heartbeat."""
    app = job_app()
    with app.app_context():
        lease = Lease(Reconciliation, reconciliation_id, current_owner(), stale_seconds())
        if not reconciliation.claim(lease):
            return
        item = db.session.get(Reconciliation, reconciliation_id)
        point = item.batch.integration.default_access_point
        if point is None:
            reconciliation.fail(item, NO_ACCESS_POINT, lease)
            return
        try:
            with connected(app, lease, point) as client:
                reconciliation.run(item, client, lease)
        except AvantageError as error:
            db.session.rollback()
            reconciliation.fail(item, runs.error_report(error), lease)
        except LeaseLostError:
            db.session.rollback()
            log.warning("reconciliation %s was taken over by another job", reconciliation_id)


def run_daily_reconciliation(now: datetime | None = None) -> int:
    """RQ job (daily, from scheduler.py): reconcile each recent batch not reconciled today;
    how many it queued."""
    with job_app().app_context():
        batches = reconciliation.due_batches(now or utcnow(), current_app.config["RECONCILE_WEEKS"])
        for batch in batches:
            start_reconciliation(batch, None)
        return len(batches)
