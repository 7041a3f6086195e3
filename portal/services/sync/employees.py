"""Employés: Avantage employees matched to the portal's on the employee number."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.i18n import gettext as _
from portal.models import LinkMethod, SyncSection, User, db
from portal.services.bulk_insert import insert_rows
from portal.services.sql_lists import among
from portal.services.sync.context import Decision, SyncContext
from portal.services.sync.engine import SectionSync
from portal.services.sync.trades import trade_ids
from portal.services.text import clean, normalise_code, normalise_employee_number
from portal.services.user_emails import placeholder_email

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The fields of a portal employee that the sync reads and may change.
_FIELDS = (
    "id",
    "employee_number",
    "default_trade_id",
    "avantage_trade_code",
    "avantage_competency",
)

#: The number of people from which a sync refreshes the planner's statistics.
_ANALYZE_FROM = 1_000


def full_name(item: dict[str, Any]) -> str:
    return f"{clean(item.get('first_name'))} {clean(item.get('last_name'))}".strip()


class EmployeeSync(SectionSync):
    """No match → the employee is created, with a placeholder e-mail until a real one is set.

    Portal employees are read as plain rows and written with one bulk statement per page.
    """

    section = SyncSection.EMPLOYEES

    def key(self, item: dict[str, Any]) -> str:
        return str(item["number"])

    def prepare(self, ctx: SyncContext) -> None:
        company_id = ctx.integration.company_id
        rows = db.session.execute(
            sa.select(*(getattr(User, name) for name in _FIELDS)).where(
                User.company_id == company_id
            )
        )
        self.users = {row.id: row._asdict() for row in rows}
        linked = {link.local_id for link in ctx.links.values() if link.local_id is not None}
        #: Unlinked portal employees by normalised number: the candidates for a match.
        self.candidates = {
            normalise_employee_number(user["employee_number"]): user
            for user in self.users.values()
            if user["employee_number"] and user["id"] not in linked
        }
        #: Avantage trade code (normalised) → portal trade: the Métier habituel to give.
        self.trades = trade_ids(ctx.integration)
        self.placeholders = set(
            db.session.scalars(
                sa.select(User.email).where(
                    User.company_id == company_id, User.email_is_placeholder.is_(True)
                )
            )
        )
        self.planned: set[str] = set()
        #: How many people the company had when its statistics were last refreshed.
        self.analyzed_at = len(self.users)
        self.created: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        key = self.key(item)
        label = f"{clean(key)} — {full_name(item)}"
        link = ctx.links.get(key)
        if link is not None:
            if link.local_id is None:
                return Decision("skipped", label)  # unlinked by hand: left alone
            user = self.users.get(link.local_id)
            if user is None:
                return Decision(
                    "skipped", label, warning=_("%(label)s : employé lié introuvable", label=label)
                )
            changes = self._changes(user, item)
            return Decision(
                "updated" if changes else "unchanged",
                label,
                detail={"user": user, "changes": changes},
            )
        normalised = normalise_employee_number(key)
        if normalised in self.planned:
            return Decision(
                "skipped",
                label,
                warning=_(
                    "%(label)s : un autre employé d'Avantage a le même numéro (zéros en tête, "
                    "majuscules et espaces en trop ignorés); liez-le à la main.",
                    label=label,
                ),
            )
        self.planned.add(normalised)
        user = self.candidates.pop(normalised, None)
        if user is not None:
            method = LinkMethod.NUMBER if user["employee_number"] == key else LinkMethod.NORMALISED
            return Decision(
                "linked",
                label,
                detail={"user": user, "method": method, "changes": self._changes(user, item)},
            )
        if not item.get("active", True):
            return Decision("skipped", label)  # an inactive employee is not created
        return Decision("created", label)

    def _changes(self, user: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        wanted = {
            "avantage_trade_code": item.get("trade") or None,
            "avantage_competency": item.get("competency") or None,
        }
        trade_id = self.trades.get(normalise_code(item.get("trade")))
        if user["default_trade_id"] is None and trade_id is not None:
            wanted["default_trade_id"] = trade_id
        return {name: value for name, value in wanted.items() if user[name] != value}

    def apply(self, ctx: SyncContext, item: dict[str, Any], decision: Decision) -> None:
        key = self.key(item)
        if decision.outcome == "created":
            self.created.append((key, self._new_user(ctx, item)))
            return
        user = decision.detail.get("user")
        if user is None:
            return
        changes = decision.detail.get("changes", {})
        if changes:
            user.update(changes)
            self.updates.append({"id": user["id"], **changes})
        if decision.outcome == "linked":
            ctx.link(key, user["id"], decision.detail["method"])

    def _new_user(self, ctx: SyncContext, item: dict[str, Any]) -> dict[str, Any]:
        company_id = ctx.integration.company_id
        number = clean(self.key(item)).replace(" ", "")
        email = (item.get("email") or "").strip().lower()
        usable = bool(_EMAIL.match(email)) and len(email) <= 254
        return {
            "company_id": company_id,
            "email": email if usable else None,
            "email_is_placeholder": not usable,
            "first_name": clean(item.get("first_name"))[:80] or "?",
            "last_name": clean(item.get("last_name"))[:80],
            "employee_number": number[:20],
            "avantage_trade_code": item.get("trade") or None,
            "avantage_competency": item.get("competency") or None,
            "default_trade_id": self.trades.get(normalise_code(item.get("trade"))),
        }

    def after_page(self, ctx: SyncContext) -> None:
        """Create the page's new employees in one statement, then link them."""
        if self.updates:
            db.session.execute(sa.update(User), self.updates)
            self.updates = []
        if not self.created:
            return
        company_id = ctx.integration.company_id
        self._settle_emails(company_id)
        # One bulk insert (COPY on PostgreSQL), then the ids back by number (unique in the
        # company, so the lookup reads the unique index): RETURNING would cost one statement
        # per row on SQLite, and its multi-row INSERT is slower than COPY on PostgreSQL.
        insert_rows(User.__table__, [values for _, values in self.created])
        numbers = [values["employee_number"] for _, values in self.created]
        ids = dict(
            db.session.execute(
                sa.select(User.employee_number, User.id).where(
                    User.company_id == company_id, among(User.employee_number, numbers)
                )
            ).all()
        )
        for key, values in self.created:
            user_id = ids[values["employee_number"]]
            self.users[user_id] = {
                "id": user_id,
                **{name: values.get(name) for name in _FIELDS[1:]},
            }
            ctx.link(key, user_id, LinkMethod.CREATED)
        self.created = []
        self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """ANALYZE "user" on PostgreSQL each time this run has doubled the company's people.

        With none (a fresh table) or ones taken before a big first sync, the planner judged
        the company a few rows and scanned all its people, for each page's lookups of numbers
        and e-mails, against the page's whole list: quadratic. Doubling costs a few bounded
        ANALYZEs (each samples at most 30,000 rows).
        """
        if len(self.users) < max(_ANALYZE_FROM, 2 * self.analyzed_at):
            return
        self.analyzed_at = len(self.users)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text('ANALYZE "user"'))

    def _settle_emails(self, company_id: int) -> None:
        """Keep Avantage's e-mail unless another person has it; else a placeholder."""
        wanted = {values["email"] for _, values in self.created if values["email"]}
        taken = (
            set(
                db.session.scalars(
                    sa.select(sa.func.lower(User.email)).where(
                        among(sa.func.lower(User.email, type_=User.email.type), wanted)
                    )
                )
            )
            if wanted
            else set()
        )
        for _local, values in self.created:
            if values["email"] is None or values["email"] in taken:
                values["email"] = placeholder_email(
                    company_id, values["employee_number"], is_taken=self.placeholders.__contains__
                )
                values["email_is_placeholder"] = True
                self.placeholders.add(values["email"])
            else:
                taken.add(values["email"])
