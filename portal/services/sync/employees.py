"""Employés: Avantage employees matched to the portal's on the employee number."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.models import (
    LinkMethod,
    SyncSection,
    Trade,
    User,
    db,
)
from portal.services.sync.engine import Decision, SectionSync, SyncContext
from portal.services.text import clean, normalise_employee_number
from portal.services.users import placeholder_email

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def full_name(item: dict[str, Any]) -> str:
    return f"{clean(item.get('first_name'))} {clean(item.get('last_name'))}".strip()


class EmployeeSync(SectionSync):
    """No match → the employee is created, with a placeholder e-mail until a real one is set."""

    section = SyncSection.EMPLOYEES

    def key(self, item: dict[str, Any]) -> str:
        return str(item["number"])

    def prepare(self, ctx: SyncContext) -> None:
        company_id = ctx.integration.company_id
        users = db.session.scalars(db.select(User).where(User.company_id == company_id))
        self.users = {user.id: user for user in users}
        linked = {link.local_id for link in ctx.links.values() if link.local_id is not None}
        #: Unlinked portal employees by normalised number: the candidates for a match.
        self.candidates = {
            normalise_employee_number(user.employee_number): user
            for user in self.users.values()
            if user.employee_number and user.id not in linked
        }
        self.trades = {
            trade.code.casefold(): trade
            for trade in db.session.scalars(db.select(Trade).where(Trade.company_id == company_id))
        }
        self.emails = set(db.session.scalars(db.select(sa.func.lower(User.email))))
        self.planned: set[str] = set()
        self.created: list[tuple[str, User]] = []

    def decide(self, ctx: SyncContext, item: dict[str, Any]) -> Decision:
        key = self.key(item)
        label = f"{clean(key)} — {full_name(item)}"
        link = ctx.links.get(key)
        if link is not None:
            if link.local_id is None:
                return Decision("skipped", label)  # unlinked by hand: left alone
            user = self.users.get(link.local_id)
            if user is None:
                return Decision("skipped", label, warning=f"{label} : employé lié introuvable")
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
                warning=(
                    f"{label} : un autre employé d'Avantage a le même numéro une fois normalisé; "
                    "liez-le à la main."
                ),
            )
        self.planned.add(normalised)
        user = self.candidates.pop(normalised, None)
        if user is not None:
            method = LinkMethod.NUMBER if user.employee_number == key else LinkMethod.NORMALISED
            return Decision(
                "linked",
                label,
                detail={"user": user, "method": method, "changes": self._changes(user, item)},
            )
        if not item.get("active", True):
            return Decision("skipped", label)  # an inactive employee is not created
        return Decision("created", label)

    def _changes(self, user: User, item: dict[str, Any]) -> dict[str, Any]:
        wanted = {
            "avantage_trade_code": item.get("trade") or None,
            "avantage_competency": item.get("competency") or None,
        }
        trade = self.trades.get((item.get("trade") or "").casefold())
        if user.default_trade_id is None and trade is not None:
            wanted["default_trade_id"] = trade.id
        return {name: value for name, value in wanted.items() if getattr(user, name) != value}

    def apply(self, ctx: SyncContext, item: dict[str, Any], decision: Decision) -> None:
        key = self.key(item)
        if decision.outcome == "created":
            self.created.append((key, self._create(ctx, item)))
            return
        user = decision.detail.get("user")
        if user is None:
            return
        for name, value in decision.detail.get("changes", {}).items():
            setattr(user, name, value)
        if decision.outcome == "linked":
            ctx.link(key, user.id, decision.detail["method"])

    def _create(self, ctx: SyncContext, item: dict[str, Any]) -> User:
        company_id = ctx.integration.company_id
        number = clean(self.key(item)).replace(" ", "")
        email = (item.get("email") or "").strip().lower()
        placeholder = not (_EMAIL.match(email) and len(email) <= 254 and email not in self.emails)
        if placeholder:
            email = placeholder_email(company_id, number, is_taken=self.emails.__contains__)
        self.emails.add(email)
        trade = self.trades.get((item.get("trade") or "").casefold())
        user = User(
            company_id=company_id,
            email=email,
            email_is_placeholder=placeholder,
            first_name=clean(item.get("first_name"))[:80] or "?",
            last_name=clean(item.get("last_name"))[:80],
            employee_number=number[:20],
            avantage_trade_code=item.get("trade") or None,
            avantage_competency=item.get("competency") or None,
            default_trade_id=trade.id if trade else None,
        )
        db.session.add(user)
        return user

    def after_page(self, ctx: SyncContext) -> None:
        """Link the employees created on this page, once their ids exist (one flush a page)."""
        if self.created:
            db.session.flush()
            for key, user in self.created:
                self.users[user.id] = user
                ctx.link(key, user.id, LinkMethod.CREATED)
            self.created = []
