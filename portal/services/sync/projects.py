"""Projets: Avantage's project list, kept for the project admins' dropdowns.

Linking is done per project (Admin du projet → Configuration d'intégrations); the console
suggests the portal project whose number matches.
"""

from __future__ import annotations

from typing import Any

from portal.models import SyncSection
from portal.services.sync.engine import Decision, SectionSync, SyncContext
from portal.services.text import clean


class ProjectListSync(SectionSync):
    section = SyncSection.PROJECTS

    def key(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        label = f"{clean(self.key(item))} — {clean(item.get('name'))}"
        return Decision("updated" if ctx.remote_changed else "unchanged", label)
