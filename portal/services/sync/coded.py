"""Sections matched on a code: Métiers (created when missing), Type d'heures and Dépenses et
primes (mapped, never created)."""

from __future__ import annotations

from typing import Any

from portal.i18n import gettext as _
from portal.models import LinkMethod, db
from portal.services.sync.context import Decision, SyncContext
from portal.services.sync.engine import SectionSync
from portal.services.text import clean, normalise_code


class CodedSync(SectionSync):
    """Link each Avantage code to the unlinked portal record with the same code."""

    #: The portal model matched on ``code``.
    model: type
    #: Create a portal record when nothing matches (else the row stays "Avantage seulement").
    create_missing = False

    def key(self, item: dict[str, Any]) -> str:
        return str(item["code"])

    def label(self, item: dict[str, Any]) -> str:
        return f"{clean(self.key(item))} — {clean(item.get('name'))}"

    def compatible(self, local: Any, item: dict[str, Any]) -> bool:
        """Whether ``local`` may be matched to ``item`` at all (kinds must agree, …)."""
        return True

    def prepare(self, ctx: SyncContext) -> None:
        records = db.session.scalars(
            db.select(self.model).where(self.model.company_id == ctx.integration.company_id)
        )
        self.locals = {record.id: record for record in records}
        linked = {link.local_id for link in ctx.links.values() if link.local_id is not None}
        self.candidates = {
            normalise_code(record.code): record
            for record in self.locals.values()
            if record.id not in linked
        }
        self.created: list[tuple[str, Any]] = []

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        key, label = self.key(item), self.label(item)
        link = ctx.links.get(key)
        if link is not None:
            local = self.locals.get(link.local_id) if link.local_id is not None else None
            changes = self.changes(local, item) if local is not None else {}
            outcome = "updated" if changes or ctx.remote_changed else "unchanged"
            return Decision(outcome, label, detail={"local": local, "changes": changes})
        local = self.candidates.get(normalise_code(key))
        if local is not None and self.compatible(local, item):
            del self.candidates[normalise_code(key)]
            method = LinkMethod.CODE if local.code == key else LinkMethod.NORMALISED
            return Decision(
                "linked",
                label,
                detail={"local": local, "method": method, "changes": self.changes(local, item)},
            )
        if self.create_missing:
            return Decision("created", label)
        return Decision(
            "skipped",
            label,
            warning=_(
                "%(label)s n'est associé à aucun type du portail : choisissez-le dans la grille.",
                label=label,
            ),
        )

    def changes(self, local: Any, item: dict[str, Any]) -> dict[str, Any]:
        """Fields of ``local`` that Avantage's record changes (default: none)."""
        return {}

    def create(self, ctx: SyncContext, item: dict[str, Any]) -> Any:
        raise NotImplementedError

    def apply(self, ctx: SyncContext, item: dict[str, Any], decision: Decision) -> None:
        key = self.key(item)
        if decision.outcome == "created":
            local = self.create(ctx, item)
            db.session.add(local)
            self.created.append((key, local))
            return
        local = decision.detail.get("local")
        for name, value in decision.detail.get("changes", {}).items():
            setattr(local, name, value)
        if decision.outcome == "linked":
            ctx.link(key, local.id, decision.detail["method"])

    def after_page(self, ctx: SyncContext) -> None:
        if self.created:
            db.session.flush()
            for key, local in self.created:
                self.locals[local.id] = local
                ctx.link(key, local.id, LinkMethod.CREATED)
            self.created = []
