"""Tout synchroniser: every company section in turn, each its own SyncRun of one chain.

A chain is the runs sharing a ``chain_id``, one per section of ``ORDER``. Running them (one
RQ job each, each waiting for the previous one's) is ``portal.jobs.chain_jobs``' part; this
module opens the chain, reads it, and stops what is left of it when a link did not succeed.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale

from portal.errors import PortalError
from portal.i18n import gettext as _
from portal.models import Integration, RunStatus, SyncRun, SyncSection, User, db
from portal.services import runs

#: The sections in the order the chain runs them: each after the ones it references.
#: Métiers first: an employee's default trade is looked up among the trades when employees
#: are synchronised, so in this order no employee waits for a later Métiers run to get
#: theirs. Type d'heures and Dépenses et primes reference nothing; their grids (and
#: the exports) need them before sheets reach payroll. Projets references none of the above
#: but feeds the per-project sections (activities, budget), run from each project afterwards.
#: Fournisseurs, then Bons de commande, which name a project and a supplier each.
#: Employés last: the largest list, and the one that references the trades.
ORDER = (
    SyncSection.TRADES,
    SyncSection.HOUR_TYPES,
    SyncSection.EARNINGS,
    SyncSection.PROJECTS,
    SyncSection.SUPPLIERS,
    SyncSection.PURCHASE_ORDERS,
    SyncSection.EMPLOYEES,
)

#: The error ``type`` of a run that its chain did not start (its list shows "Non lancée").
NOT_STARTED = "not_started"


def _busy(run: SyncRun) -> PortalError:
    return PortalError(
        _(
            "La synchronisation « %(section)s » est déjà en cours : attendez qu'elle se "
            "termine, puis relancez Tout synchroniser.",
            section=run.section.label,
        )
    )


def open_chain(integration: Integration, actor: User) -> tuple[list[SyncRun], bool]:
    """The runs of a new chain, queued and committed; or the chain in progress (False).

    A section already running on its own refuses the chain: its run was not made to wait
    for the sections it references, and may be a preview or have other options."""
    active = [run for run in (runs.active_run(integration, s) for s in ORDER) if run]
    chained = next((run for run in active if run.chain_id), None)
    if chained is not None:  # a second click, a second tab: the same chain
        return chain_runs(integration, chained.chain_id), False
    if active:
        raise _busy(active[0])
    chain_id, opened = uuid.uuid4().hex, []
    for section in ORDER:
        run, created = runs.open_run(integration, section, actor, full=False, preview=False)
        if not created:  # started elsewhere since the check: give back what was opened
            for mine in opened:
                runs.cancel(mine, actor)
            db.session.commit()
            raise _busy(run)
        run.chain_id = chain_id
        db.session.commit()
        opened.append(run)
    return opened, True


def chain_runs(integration: Integration, chain_id: str) -> list[SyncRun]:
    """The runs of one chain in ``ORDER``, read fresh from the database."""
    found = db.session.scalars(
        db.select(SyncRun)
        .where(SyncRun.integration_id == integration.id, SyncRun.chain_id == chain_id)
        .execution_options(populate_existing=True)
    ).all()
    return sorted(found, key=lambda run: ORDER.index(run.section))


def latest_chain(integration: Integration) -> list[SyncRun]:
    """The runs of the integration's last Tout synchroniser, or [] if it never ran."""
    chain_id = db.session.scalar(
        db.select(SyncRun.chain_id)
        .where(SyncRun.integration_id == integration.id, SyncRun.chain_id.is_not(None))
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    return chain_runs(integration, chain_id) if chain_id else []


def not_started(run: SyncRun) -> bool:
    """A run its chain stopped before it began."""
    return (run.error or {}).get("type") == NOT_STARTED


def broken_link(chain: list[SyncRun], before: SyncRun | None = None) -> SyncRun | None:
    """The first run of the chain that ended without succeeding. With ``before``: the first
    run ahead of it that has not succeeded, still active included (``before`` must not run)."""
    ahead = chain[: chain.index(before)] if before is not None else chain
    for run in ahead:
        if run.status != RunStatus.SUCCEEDED and (before is not None or not run.status.active):
            return run
    return None


def stop_after(chain: list[SyncRun], broken: SyncRun) -> int:
    """The queued runs after ``broken`` end as not started, saying why (the caller commits)."""
    reason = _reason(broken)
    later = chain[chain.index(broken) + 1 :]
    return sum(runs.abandon_lost(run, reason) for run in later if run.status == RunStatus.QUEUED)


def _reason(broken: SyncRun) -> dict:
    """Why the later runs were not started, in both languages like the runs' other errors."""
    messages = {}
    for lang, locale in (("fr", current_app.config["BABEL_DEFAULT_LOCALE"]), ("en", "en")):
        with force_locale(locale):
            section = str(broken.section.label)
            if broken.status == RunStatus.FAILED:
                message = _(
                    "Non lancée : la synchronisation « %(section)s » a échoué; corrigez-la "
                    "puis relancez Tout synchroniser.",
                    section=section,
                )
            elif broken.status == RunStatus.CANCELLED:
                message = _(
                    "Non lancée : la synchronisation « %(section)s » a été annulée; relancez "
                    "Tout synchroniser pour continuer.",
                    section=section,
                )
            else:
                message = _(
                    "Non lancée : la synchronisation « %(section)s » s'est interrompue; "
                    "relancez Tout synchroniser.",
                    section=section,
                )
        messages[lang] = message
    return {
        "type": NOT_STARTED,
        "section": broken.section.value,
        "message_fr": messages["fr"],
        "message_en": messages["en"],
        "fix_fr": "",
        "fix_en": "",
    }
