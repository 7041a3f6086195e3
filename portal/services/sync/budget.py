"""Budget (Admin du projet): Avantage's budget rows of the project's activities, kept in the
RemoteRecord cache and shown beside the hours entered in the portal's timesheets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from portal.formatting import number
from portal.i18n import gettext as _
from portal.models import (
    Activity,
    Integration,
    Project,
    RemoteRecord,
    SyncRun,
    SyncSection,
    db,
)
from portal.models.base import ZERO
from portal.services import matching, project_links, projects, purchase_orders, runs
from portal.services.remote_values import figure
from portal.services.sync.activities import activity_key
from portal.services.sync.context import Decision, SyncContext
from portal.services.sync.engine import SectionSync
from portal.services.text import clean, normalise_code

#: Avantage's figures of a budget row, all decimal strings on the wire.
FIGURES = ("budget_hours", "budget_amount", "committed_amount", "actual_hours", "actual_amount")


class BudgetSync(SectionSync):
    """Nothing is created or linked: the cache is the result; odd rows are warned about."""

    section = SyncSection.BUDGET

    def scope(self, run: SyncRun) -> str:
        return project_links.remote_project_id(run.integration, run.project)

    def key(self, item: dict[str, Any]) -> str:
        return activity_key(str(item["project"]), str(item["activity"]))

    def prepare(self, ctx: SyncContext) -> None:
        codes = db.session.scalars(
            db.select(Activity.code).where(
                Activity.company_id == ctx.integration.company_id,
                Activity.project_id == ctx.run.project_id,
            )
        )
        #: The project's activity codes, normalised: a budget row without one is flagged.
        self.codes = {normalise_code(code) for code in codes}

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        code = clean(str(item["activity"]))
        hours = number(figure(item.get("budget_hours")), 2) or "—"
        label = _("%(code)s : %(hours)s h budgétées", code=code, hours=hours)
        warning = None
        unreadable = [name for name in FIGURES if figure(item.get(name)) is None]
        if unreadable:
            warning = _(
                "Budget de l'activité %(code)s : valeurs illisibles (%(fields)s). Vérifiez cette "
                "ligne de budget dans Avantage.",
                code=code,
                fields=", ".join(unreadable),
            )
        elif normalise_code(code) not in self.codes:
            warning = _(
                "Le budget de l'activité %(code)s n'a pas d'activité correspondante dans le "
                "portail : synchronisez d'abord les activités du projet.",
                code=code,
            )
        return Decision("updated" if ctx.remote_changed else "unchanged", label, warning=warning)


@dataclass
class BudgetLine:
    """Avantage's budget of one activity beside the hours entered in the portal."""

    code: str
    budget_hours: Decimal | None = None
    budget_amount: Decimal | None = None
    committed_amount: Decimal | None = None
    actual_hours: Decimal | None = None
    actual_amount: Decimal | None = None
    #: What the project's open purchase orders commit to the activity (None: no order).
    ordered_amount: Decimal | None = None
    #: Hours of submitted, validated and frozen timesheets (see projects.RECORDED_STATUSES),
    #: and of those unfrozen for a correction, which ``correction_hours`` counts apart.
    portal_hours: Decimal = ZERO
    correction_hours: Decimal = ZERO
    #: Avantage has a budget row for it.
    budgeted: bool = False

    @property
    def variance_hours(self) -> Decimal | None:
        """Budget hours minus the hours entered in the portal (negative: over budget)."""
        return None if self.budget_hours is None else self.budget_hours - self.portal_hours


@dataclass
class ProjectBudget:
    """The budget table of a linked project."""

    integration: Integration
    remote_id: str
    #: When the last successful (not preview) budget sync of the project ended.
    synced_at: datetime | None
    by_activity: dict[int, BudgetLine] = field(default_factory=dict)
    #: Avantage budget rows with no portal activity, by normalised code.
    unmatched: dict[str, BudgetLine] = field(default_factory=dict)
    #: Portal activities whose Avantage activity was removed (Retiré d'Avantage).
    removed: set[int] = field(default_factory=set)
    totals: BudgetLine = field(default_factory=lambda: BudgetLine(""))
    #: What open purchase orders commit to activities the portal lacks, by Avantage code.
    ordered_elsewhere: dict[str, Decimal] = field(default_factory=dict)

    def line(self, activity: Activity | None, code: str | None = None) -> BudgetLine | None:
        """The line of a portal activity, else of an Avantage code the portal lacks."""
        if activity is not None:
            return self.by_activity.get(activity.id)
        return self.unmatched.get(normalise_code(code)) if code else None


def project_budget(company_id: int, project: Project) -> ProjectBudget | None:
    """The budget table of ``project`` in the first integration it is linked in, or None."""
    linked = project_links.linked_integration(company_id, project)
    if linked is None:
        return None
    return budget_view(linked[0], linked[1], project)


def budget_view(integration: Integration, remote_id: str, project: Project) -> ProjectBudget:
    """Avantage's budget rows of ``remote_id`` matched to ``project``'s activities."""
    last = runs.last_success(integration, SyncSection.BUDGET, project)
    view = ProjectBudget(integration, remote_id, last.finished_at if last else None)
    activities = list(
        db.session.scalars(
            db.select(Activity).where(
                Activity.company_id == project.company_id, Activity.project_id == project.id
            )
        )
    )
    links = _activity_links(integration, remote_id)
    by_code = {normalise_code(activity.code): activity for activity in activities}
    hours = projects.recorded_hours(project.company_id, project)
    for activity in activities:
        total, correcting = hours.get(activity.id, (ZERO, ZERO))
        view.by_activity[activity.id] = BudgetLine(
            activity.code, portal_hours=total, correction_hours=correcting
        )
    for record in _records(integration, SyncSection.BUDGET, remote_id):
        code = str(record.data.get("activity", ""))
        local_id = links.get(activity_key(remote_id, code))
        if local_id is None:  # activities not synchronised yet: the same code will do
            activity = by_code.get(normalise_code(code))
            local_id = activity.id if activity is not None else None
        line = view.by_activity.get(local_id) if local_id is not None else None
        if line is None:
            line = view.unmatched.setdefault(normalise_code(code), BudgetLine(clean(code)))
        line.budgeted = True
        for name in FIGURES:
            setattr(line, name, figure(record.data.get(name)))
    for code, amount in purchase_orders.committed_by_activity(integration, remote_id).items():
        local_id = links.get(activity_key(remote_id, code))
        if local_id is None:
            activity = by_code.get(normalise_code(code))
            local_id = activity.id if activity is not None else None
        line = view.by_activity.get(local_id) if local_id is not None else None
        if line is None:
            view.ordered_elsewhere[code or "—"] = amount
        else:
            line.ordered_amount = (line.ordered_amount or ZERO) + amount
    view.removed = {
        links[record.key]
        for record in _records(integration, SyncSection.ACTIVITIES, remote_id, removed=True)
        if links.get(record.key) in view.by_activity
    }
    view.totals = _totals([*view.by_activity.values(), *view.unmatched.values()])
    if view.ordered_elsewhere:
        elsewhere = sum(view.ordered_elsewhere.values(), ZERO)
        view.totals.ordered_amount = (view.totals.ordered_amount or ZERO) + elsewhere
    return view


def _activity_links(integration: Integration, remote_id: str) -> dict[str, int]:
    """Avantage key → portal activity, for the linked activities of ``remote_id``."""
    prefix = activity_key(remote_id, "")
    linked = matching.linked_local_ids(integration, SyncSection.ACTIVITIES)
    return {key: local_id for local_id, key in linked.items() if key.startswith(prefix)}


def _records(
    integration: Integration, entity: SyncSection, scope: str, *, removed: bool = False
) -> list[RemoteRecord]:
    condition = (
        RemoteRecord.removed_at.is_not(None) if removed else RemoteRecord.removed_at.is_(None)
    )
    return list(
        db.session.scalars(
            db.select(RemoteRecord)
            .where(
                RemoteRecord.integration_id == integration.id,
                RemoteRecord.entity == entity,
                RemoteRecord.scope == scope,
                condition,
            )
            .order_by(RemoteRecord.key)
        )
    )


def _totals(lines: list[BudgetLine]) -> BudgetLine:
    total = BudgetLine(
        "",
        portal_hours=sum((line.portal_hours for line in lines), ZERO),
        correction_hours=sum((line.correction_hours for line in lines), ZERO),
    )
    for name in (*FIGURES, "ordered_amount"):
        values = [getattr(line, name) for line in lines if getattr(line, name) is not None]
        setattr(total, name, sum(values, ZERO) if values else None)
    total.budgeted = any(line.budgeted for line in lines)
    return total
