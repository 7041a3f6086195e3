"""Tout synchroniser as a chain of RQ jobs: one job per section's run, each depending on the
previous one's job (RQ's ``depends_on``), not a loop inside one job.

Our sync jobs record a failure on their run and return normally (only a transient failure
re-raises, for RQ to retry it, and RQ holds the dependents until the last attempt). So RQ
starts the next job whatever the previous run's outcome; the dependency also allows a
failed job (``allow_failure``: an unexpected error re-raised) so the chain always reaches
its end. Each job first reads the chain: when a run ahead did not succeed, it and every
later run end as "Non lancée" instead of running.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from portal.errors import PortalError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import reaper
from portal.jobs.queueing import QueueUnavailableError, enqueue, job_app, sync_job_id
from portal.jobs.sync_jobs import refresh, run_sync
from portal.models import Integration, RunStatus, SyncRun, User
from portal.services import run_messages, runs, sync_chain

log = logging.getLogger(__name__)


def start_chain(integration: Integration, actor: User) -> list[SyncRun]:
    """Tout synchroniser: a run per section, queued as a chain of jobs; or the chain that is
    already in progress (a second click joins it)."""
    reaper.reap_company(integration.company_id)
    if integration.default_access_point is None:
        raise PortalError(
            _(
                "Cette intégration n'a pas de point d'accès par défaut : ajoutez-en "
                "un dans la section Point d'accès."
            )
        )
    chain, created = sync_chain.open_chain(integration, actor)
    if not created:
        return chain
    previous: str | None = None
    for position, run in enumerate(chain):
        try:
            enqueue(
                "portal.jobs.run_chained_sync",
                (run.id,),
                sync_job_id(run),
                f"sync {run.section.value} integration {run.integration_id} chain {run.chain_id}",
                after=previous,
            )
        except RedisError:
            log.exception("cannot enqueue chained sync run %s", run.id)
            for unqueued in chain[position:]:
                runs.fail(unqueued, run_messages.QUEUE_DOWN)
            db.session.commit()
            raise QueueUnavailableError(
                _(
                    "La file des tâches (Redis) est injoignable : la synchronisation n'a pas "
                    "été lancée. Réessayez dans un moment; si cela dure, prévenez "
                    "l'administrateur du portail."
                )
            ) from None
        previous = sync_job_id(run)
    return chain


def run_chained_sync(run_id: int) -> None:
    """RQ job: one link of the chain. The runs ahead all succeeded: run this one as
    ``run_sync`` does; otherwise this one and the later ones end "Non lancée"."""
    app = job_app()
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        if run is not None and run.status == RunStatus.QUEUED:  # not begun yet
            chain = sync_chain.chain_runs(run.integration, run.chain_id)
            broken = sync_chain.broken_link(chain, before=run)
            if broken is not None:
                sync_chain.stop_after(chain, broken)
                db.session.commit()
                log.info("chain %s stopped after sync run %s", run.chain_id, broken.id)
                return
        run_sync(run_id)  # also takes over a run whose worker died, or does nothing


def refresh_chain(chain: list[SyncRun]) -> list[SyncRun]:
    """What a page showing the chain must know first: the runs the reaper would move, and
    the later runs of a chain whose link ended without success (say, a run cancelled while
    queued: RQ never starts the jobs that wait for a cancelled job)."""
    if not any(run.status.active for run in chain):
        return chain
    for run in chain:
        broken = sync_chain.broken_link(chain)
        if broken is not None:
            sync_chain.stop_after(chain, broken)
            db.session.commit()
        refresh(run)
    return chain
