"""What a sync run did — or, for a preview, would do — in words: its counts, the sentence
that says nothing changed, and the short text the page's live region announces.

A preview writes nothing, so it never says « créés »: it says « seraient créés ».
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.models import RunStatus, SyncRun
from portal.services import sync_chain

#: Each count of a run, as a real run says it and as a preview does (calls, so that the
#: catalog extracts them).
_PHRASES = {
    "created": (
        lambda n: ngettext("%(num)d créé", "%(num)d créés", n),
        lambda n: ngettext("%(num)d serait créé", "%(num)d seraient créés", n),
    ),
    "linked": (
        lambda n: ngettext("%(num)d lié", "%(num)d liés", n),
        lambda n: ngettext("%(num)d serait lié", "%(num)d seraient liés", n),
    ),
    "updated": (
        lambda n: ngettext("%(num)d mis à jour", "%(num)d mis à jour", n),
        lambda n: ngettext("%(num)d serait mis à jour", "%(num)d seraient mis à jour", n),
    ),
    "removed": (
        lambda n: ngettext("%(num)d retiré d'Avantage", "%(num)d retirés d'Avantage", n),
        lambda n: ngettext(
            "%(num)d serait retiré d'Avantage", "%(num)d seraient retirés d'Avantage", n
        ),
    ),
    "unchanged": (
        lambda n: ngettext("%(num)d inchangé", "%(num)d inchangés", n),
        lambda n: ngettext("%(num)d resterait inchangé", "%(num)d resteraient inchangés", n),
    ),
    "warnings": (
        lambda n: ngettext("%(num)d avertissement", "%(num)d avertissements", n),
        lambda n: ngettext("%(num)d avertissement", "%(num)d avertissements", n),
    ),
}
#: The counts that mean the run changed something in the portal.
CHANGES = ("created", "linked", "updated", "removed")


@dataclass(frozen=True)
class Count:
    """One count of a run as shown: its name (``created``…), value and phrase."""

    name: str
    value: int
    text: str


def counts(run: SyncRun) -> list[Count]:
    """The run's non-zero counts, each phrased as done (a run) or as would be (a preview)."""
    shown = []
    for name, (done, would) in _PHRASES.items():
        value = getattr(run, name) or 0
        if value:
            shown.append(Count(name, value, (would if run.preview else done)(value)))
    return shown


def nothing_changed(run: SyncRun) -> bool:
    """A finished run that created, linked, updated and removed nothing (or would not)."""
    return run.status == RunStatus.SUCCEEDED and not any(getattr(run, name) for name in CHANGES)


def nothing_changed_text(run: SyncRun) -> str:
    """What an up-to-date run says instead of « 0 enregistrements » under a full bar."""
    if run.preview:
        return _("Rien ne changerait : tout est déjà à jour.")
    if not run.done and run.since is None:
        return _("Avantage n'a listé aucun enregistrement dans cette section.")
    return _("Rien n'a changé depuis la dernière synchronisation.")


def checked_text(run: SyncRun) -> str:
    """How many records an up-to-date run compared (« 120 enregistrements vérifiés »)."""
    return ngettext(
        "%(num)d enregistrement vérifié, à jour.",
        "%(num)d enregistrements vérifiés, à jour.",
        run.done,
    )


def progress_text(run: SyncRun) -> str:
    """Records processed so far: « 1 500 / 19 237 enregistrements »."""
    if run.total is None:
        return ngettext("%(num)d enregistrement", "%(num)d enregistrements", run.done)
    return ngettext(
        "%(done)d / %(num)d enregistrement",
        "%(done)d / %(num)d enregistrements",
        run.total,
        done=run.done,
    )


def outcome(run: SyncRun) -> str:
    """The result in a sentence: the counts, or that nothing changed (and any warnings)."""
    if nothing_changed(run):
        others = [count.text for count in counts(run) if count.name == "warnings"]
        return " ".join([nothing_changed_text(run), *([others[0] + "."] if others else [])])
    parts = [count.text for count in counts(run)]
    return ", ".join(parts) + "." if parts else ""


def _percent(run: SyncRun) -> int | None:
    """Progress in tens of percent: the live region speaks ten times at most, not every poll."""
    if not run.total:
        return None
    return min(100, run.done * 100 // run.total) // 10 * 10


def status_key(run: SyncRun) -> str:
    """What the live region says, as a key: the poll sends it back, and the region is
    rewritten only when the key changes (a screen reader does not repeat itself)."""
    if run.status == RunStatus.RUNNING:
        return f"running-{_percent(run)}"
    if run.status == RunStatus.QUEUED and run.error and run.error.get("retrying"):
        return "retrying"
    return run.status.value


def status_text(run: SyncRun) -> str:
    """The short sentence the live region announces for the run's state."""
    section = run.section.label
    if run.status == RunStatus.QUEUED:
        if run.error and run.error.get("retrying"):
            return _(
                "%(section)s : Avantage ne répond plus, nouvelle tentative bientôt.",
                section=section,
            )
        return _("%(section)s : en attente… le traitement va commencer.", section=section)
    if run.status == RunStatus.RUNNING:
        percent = _percent(run)
        if percent is None:
            return _("%(section)s : synchronisation en cours…", section=section)
        return _(
            "%(section)s : synchronisation en cours, %(percent)d %%.",
            section=section,
            percent=percent,
        )
    if run.status == RunStatus.SUCCEEDED:
        if run.preview:
            return _(
                "Aperçu %(section)s terminé. %(outcome)s Rien n'a été écrit.",
                section=section,
                outcome=outcome(run),
            )
        return _(
            "Synchronisation %(section)s terminée. %(outcome)s",
            section=section,
            outcome=outcome(run),
        )
    if run.status == RunStatus.CANCELLED:
        return _(
            "Synchronisation %(section)s annulée; ce qui a été enregistré est conservé.",
            section=section,
        )
    if run.status == RunStatus.ABANDONED:
        return _("Synchronisation %(section)s interrompue.", section=section)
    if run.status == RunStatus.SKIPPED:
        return _(
            "Synchronisation planifiée %(section)s ignorée : la section était déjà en cours.",
            section=section,
        )
    return _("Synchronisation %(section)s échouée.", section=section)


def chain_status_key(chain: list[SyncRun]) -> str:
    """The live region's key for Tout synchroniser: the running link's, or the end's."""
    active = next((run for run in chain if run.status.active), None)
    if active is not None:
        return f"{active.id}-{status_key(active)}"
    return "over" if chain else "none"


def chain_status_text(chain: list[SyncRun]) -> str:
    """What Tout synchroniser's live region says: the link under way, or how the chain ended."""
    active = next((run for run in chain if run.status.active), None)
    if active is not None:
        return status_text(active)
    if not chain:
        return ""
    broken = sync_chain.broken_link(chain)
    if broken is None:
        return _("Tout synchroniser est terminé : les %(n)d sections sont à jour.", n=len(chain))
    return _(
        "Tout synchroniser s'est arrêté : la synchronisation « %(section)s » n'a pas abouti.",
        section=broken.section.label,
    )
