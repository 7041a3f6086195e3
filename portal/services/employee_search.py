"""The employee pickers of the timesheets module: a person's label, and a search by name or
number bounded to a screenful, for reviewers only, within their company."""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import PermissionDeniedError
from portal.i18n import gettext as _
from portal.models import User, db
from portal.services.timesheets import is_reviewer
from portal.services.users import get_user, matching_words, search_words

#: The most employees one search lists: a screenful to pick from, not a dump of the company.
LIMIT = 20


@dataclass(frozen=True)
class EmployeeMatches:
    """The employees a search found (at most ``LIMIT``), whether more also match, and the
    person already chosen when the search did not find them."""

    people: list[User]
    more: bool
    kept: User | None = None


def employee_label(user: User) -> str:
    """How a picker lists a person: « Tremblay, Josée (0042) », so homonyms differ by number."""
    name = ", ".join(part for part in (user.last_name, user.first_name) if part)
    if user.employee_number:
        name = f"{name} ({user.employee_number})"
    return name if user.active else _("%(name)s — inactif", name=name)


def search_employees(
    company_id: int,
    actor: User,
    text: str,
    *,
    active_only: bool = True,
    keep_id: int | None = None,
    limit: int = LIMIT,
) -> EmployeeMatches:
    """The company's employees whose name or number holds every word of ``text`` (without case
    or accents: « josee tremb », « 42 »), in name order; reviewers only. ``keep_id``, the person
    already chosen in the picker, is listed first even when the search does not find them
    (``NotFoundError`` when it is no one of the company)."""
    if not is_reviewer(actor):
        raise PermissionDeniedError(
            _("Seuls les validateurs choisissent l'employé d'une feuille de temps.")
        )
    kept = get_user(company_id, keep_id) if keep_id is not None else None
    query = db.select(User.id).where(User.company_id == company_id)
    if words := search_words(text):
        query = query.where(matching_words(words))
    if active_only:
        query = query.where(User.active.is_(True))
    # One more than a screenful tells whether the search should be narrowed.
    ids = list(db.session.scalars(query.order_by(User.name_sort, User.id).limit(limit + 1)))
    more, ids = len(ids) > limit, ids[:limit]
    people = {
        user.id: user
        for user in db.session.scalars(
            db.select(User).where(User.company_id == company_id, User.id.in_(ids))
        )
    }
    return EmployeeMatches(
        people=[people[user_id] for user_id in ids],
        more=more,
        kept=kept if kept is not None and kept.id not in people else None,
    )
