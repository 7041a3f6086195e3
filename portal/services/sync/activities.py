"""Activités (Admin du projet): the budget activities of the project's Avantage project.

Matched on the code (normalised) within the project; one Avantage has and the portal lacks is
created, active. One that Avantage no longer lists is shown as removed after a full run and
never deleted: timesheets may use it.
"""

from __future__ import annotations

from typing import Any

from portal.i18n import gettext as _
from portal.models import Activity, LinkMethod, SyncRun, SyncSection, db
from portal.services import project_links
from portal.services.sync.coded import CodedSync
from portal.services.sync.context import Decision, SyncContext
from portal.services.text import clean, normalise_code


def activity_key(project: str, code: str) -> str:
    """An activity's Avantage key: unique per integration across projects."""
    return f"{project}|{code}"


class ActivitySync(CodedSync):
    """CodedSync within one project: its activities only, keyed ``project|code``."""

    section = SyncSection.ACTIVITIES
    model = Activity
    create_missing = True

    def scope(self, run: SyncRun) -> str:
        return project_links.remote_project_id(run.integration, run.project)

    def key(self, item: dict[str, Any]) -> str:
        return activity_key(str(item["project"]), str(item["code"]))

    def label(self, item: dict[str, Any]) -> str:
        return f"{clean(str(item['code']))} — {clean(item.get('name'))}"

    def prepare(self, ctx: SyncContext) -> None:
        activities = db.session.scalars(
            db.select(Activity).where(
                Activity.company_id == ctx.integration.company_id,
                Activity.project_id == ctx.run.project_id,
            )
        )
        self.locals = {activity.id: activity for activity in activities}
        #: Every code of the project, normalised (None: created by this run): none twice.
        self.codes: dict[str, Activity | None] = {
            normalise_code(activity.code): activity for activity in self.locals.values()
        }
        linked = {link.local_id for link in ctx.links.values()}
        self.candidates = {
            code: activity for code, activity in self.codes.items() if activity.id not in linked
        }
        self.created = []

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        if self.key(item) in ctx.links:
            return super().decide(ctx, item)
        code, label = str(item["code"]), self.label(item)
        local = self.candidates.pop(normalise_code(code), None)
        if local is not None:
            method = LinkMethod.CODE if local.code == code else LinkMethod.NORMALISED
            changes = self.changes(local, item)
            return Decision(
                "linked", label, detail={"local": local, "method": method, "changes": changes}
            )
        if normalise_code(code) in self.codes:
            warning = _(
                "L'activité %(code)s existe déjà dans ce projet et est liée à une autre activité "
                "d'Avantage : elle n'est pas créée une deuxième fois.",
                code=clean(code),
            )
            return Decision("skipped", label, warning=warning)
        self.codes[normalise_code(code)] = None
        return Decision("created", label)

    def changes(self, local: Activity, item: dict[str, Any]) -> dict[str, Any]:
        name = clean(item.get("name"))[:160]
        return {"name": name} if name and local.name != name else {}

    def create(self, ctx: SyncContext, item: dict[str, Any]) -> Activity:
        code = clean(str(item["code"]))[:30]
        return Activity(
            company_id=ctx.integration.company_id,
            project_id=ctx.run.project_id,
            code=code,
            name=clean(item.get("name"))[:160] or code,
            active=True,
        )
