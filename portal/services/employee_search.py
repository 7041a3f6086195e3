"""The employee pickers of the timesheets module: a person's label, and a search by name or
number bounded to a screenful, for reviewers only, within their company. A picker lists the
empty search's screenful before anyone types: its page never grows with the workforce."""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import NotFoundError, PermissionDeniedError
from portal.i18n import gettext as _
from portal.models import User, db
from portal.models.base import get_in_company
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
    _check_reviewer(actor)
    kept = get_user(company_id, keep_id) if keep_id is not None else None
    ids, more = _matching_ids(company_id, text, active_only=active_only, limit=limit)
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


def picker_matches(
    company_id: int, actor: User, text: str, *, active_only: bool, chosen_id: int | None
) -> EmployeeMatches:
    """What a page's picker lists: :func:`search_employees`, the chosen person kept unless
    the id (from the address) is no one of the company, which then chooses no one."""
    try:
        return search_employees(company_id, actor, text, active_only=active_only, keep_id=chosen_id)
    except NotFoundError:
        return search_employees(company_id, actor, text, active_only=active_only)


def settle(
    company_id: int, actor: User, text: str, chosen_id: int | None
) -> tuple[int | None, int]:
    """Whose week a search typed without JavaScript opens: the chosen person if the search
    finds them, else its only match. Returns (their id or None, how many match, up to 2)."""
    _check_reviewer(actor)
    chosen = get_in_company(User, company_id, chosen_id)
    if chosen is not None and db.session.scalar(
        db.select(User.id).where(User.id == chosen.id, matching_words(search_words(text)))
    ):
        return chosen.id, 1
    ids, more = _matching_ids(company_id, text, active_only=True, limit=1)
    return (ids[0] if ids and not more else None), len(ids) + more


def _check_reviewer(actor: User) -> None:
    if not is_reviewer(actor):
        raise PermissionDeniedError(
            _("Seuls les validateurs choisissent l'employé d'une feuille de temps.")
        )


def _matching_ids(
    company_id: int, text: str, *, active_only: bool, limit: int
) -> tuple[list[int], bool]:
    """The first ``limit`` ids in name order that match ``text``, and whether more do."""
    query = db.select(User.id).where(User.company_id == company_id)
    if words := search_words(text):
        query = query.where(matching_words(words))
    if active_only:
        query = query.where(User.active.is_(True))
    # One more than a screenful tells whether the search should be narrowed.
    ids = list(db.session.scalars(query.order_by(User.name_sort, User.id).limit(limit + 1)))
    return ids[:limit], len(ids) > limit
