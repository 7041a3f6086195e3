"""Métiers, types d'heures and dépenses et primes: the company's coded lists."""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import NotFoundError, ValidationError
from portal.formatting import sorted_by_name
from portal.i18n import gettext as _
from portal.models import ExpenseKind, ExpenseType, HourType, Trade, User, db
from portal.models.base import get_in_company
from portal.services import audit
from portal.services.fields import required_text, with_match_key
from portal.services.text import clean, normalise_code

CatalogModel = type[Trade] | type[HourType] | type[ExpenseType]


@dataclass
class CatalogData:
    """A coded entry as typed in a form; ``kind`` and ``unit`` only for expense types."""

    code: str
    name: str
    active: bool = True
    is_regular: bool = False
    kind: ExpenseKind | None = None
    unit: str = ""


def get_entry(model: CatalogModel, company_id: int, entry_id: int):
    entry = get_in_company(model, company_id, entry_id)
    if entry is None:
        raise NotFoundError()
    return entry


def list_entries(model: CatalogModel, company_id: int, *, active_only: bool = False) -> list:
    """The company's entries by code as a Québec reader sorts it (a short list: in Python)."""
    query = db.select(model).where(model.company_id == company_id)
    if active_only:
        query = query.where(model.active.is_(True))
    return sorted_by_name(db.session.scalars(query), lambda entry: entry.code)


def find_by_code(model: CatalogModel, company_id: int, code: str):
    """The entry whose code matches ``code`` once both are normalised, or None."""
    return with_match_key(model, company_id, normalise_code(code))


def _validate(model: CatalogModel, company_id: int, data: CatalogData, entry) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = required_text(errors, "code", data.code, limit=20, missing=_("Entrez un code."))
    required_text(errors, "name", data.name, limit=120, missing=_("Entrez un nom."))
    same = find_by_code(model, company_id, code) if "code" not in errors else None
    if same is not None and same is not entry:
        errors["code"] = _(
            "Le code %(code)s est déjà utilisé par « %(name)s ».", code=same.code, name=same.name
        )
    if model is ExpenseType:
        if data.kind is None:
            errors["kind"] = _("Choisissez ce que la ligne contient : montant, quantité ou heures.")
        elif entry is not None and entry.kind != data.kind and _expense_type_used(entry):
            errors["kind"] = _(
                "Ce type est déjà utilisé dans des feuilles de temps : "
                "sa nature ne peut plus changer."
            )
        if len(clean(data.unit)) > 20:
            errors["unit"] = _("Maximum %(n)d caractères.", n=20)
    if model is HourType and entry is not None and entry.is_regular and not data.is_regular:
        errors["is_regular"] = _(
            "Choisissez plutôt un autre type comme régulier : la compagnie en a toujours un."
        )
    return errors


def _expense_type_used(entry: ExpenseType) -> bool:
    from portal.models import ExpenseLine

    return (
        db.session.scalar(
            db.select(ExpenseLine.id).where(ExpenseLine.expense_type_id == entry.id).limit(1)
        )
        is not None
    )


def save_entry(model: CatalogModel, company_id: int, actor: User, data: CatalogData, entry=None):
    """Create (``entry`` None) or update a coded entry after validating it."""
    errors = _validate(model, company_id, data, entry)
    if errors:
        raise ValidationError(errors)
    created = entry is None
    if created:
        entry = model(company_id=company_id)
        db.session.add(entry)
    entry.code = clean(data.code)
    entry.name = clean(data.name)
    entry.active = data.active
    if model is ExpenseType:
        entry.kind = data.kind
        entry.unit = clean(data.unit) or None
    if model is HourType:
        if data.is_regular:
            _make_regular(company_id, entry)
        elif created and not _has_regular(company_id):
            entry.is_regular = True
    db.session.flush()
    audit.record(
        company_id,
        actor,
        f"{model.__tablename__}.{'create' if created else 'update'}",
        entry,
        f"{entry.code} — {entry.name}",
    )
    return entry


def _has_regular(company_id: int) -> bool:
    return (
        db.session.scalar(
            db.select(HourType.id)
            .where(HourType.company_id == company_id, HourType.is_regular.is_(True))
            .limit(1)
        )
        is not None
    )


def _make_regular(company_id: int, entry: HourType) -> None:
    for other in db.session.scalars(
        db.select(HourType).where(HourType.company_id == company_id, HourType.is_regular.is_(True))
    ):
        if other is not entry:
            other.is_regular = False
    entry.is_regular = True
    entry.active = True


def regular_hour_type(company_id: int) -> HourType | None:
    return db.session.scalar(
        db.select(HourType).where(HourType.company_id == company_id, HourType.is_regular.is_(True))
    )
