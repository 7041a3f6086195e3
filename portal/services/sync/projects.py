"""Projets: Avantage's project list, kept for the project admins' dropdowns.

Linking is done per project (Admin du projet → Configuration d'intégrations); the console
suggests the portal project whose number matches.
"""

from __future__ import annotations

from typing import Any

from portal.models import SyncSection
from portal.services.sync.context import Decision, SyncContext
from portal.services.sync.engine import SectionSync
from portal.services.text import clean


class ProjectListSync(SectionSync):
    section = SyncSection.PROJECTS

    def key(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        """A linked project is updated when Avantage changed it; an unlinked one is only
        listed (nothing in the portal changes: it waits for its link)."""
        label = f"{clean(self.key(item))} — {clean(item.get('name'))}"
        link = ctx.links.get(self.key(item))
        if link is None or link.local_id is None:
            return Decision("skipped", label)
        return Decision("updated" if ctx.remote_changed else "unchanged", label)
