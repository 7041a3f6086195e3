"""Métiers, types d'heures, dépenses et primes: one set of routes serves the three lists."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.blueprints.access import manager_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.settings import bp
from portal.blueprints.settings.forms import CatalogForm
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import ExpenseType, HourType, Trade
from portal.services import catalog


@dataclass(frozen=True)
class CatalogSection:
    slug: str
    model: type
    title: str
    fields: tuple[str, ...]
    help: str


SECTIONS = {
    section.slug: section
    for section in (
        CatalogSection(
            "metiers",
            Trade,
            _l("Métiers"),
            ("code", "name", "active"),
            _l("Les métiers des employés; le code est celui d'Avantage."),
        ),
        CatalogSection(
            "types-heures",
            HourType,
            _l("Gestion des types d'heures"),
            ("code", "name", "is_regular", "active"),
            _l("Une ligne d'heures sans type d'heures compte comme le type régulier."),
        ),
        CatalogSection(
            "depenses-primes",
            ExpenseType,
            _l("Dépenses et primes"),
            ("code", "name", "kind", "unit", "active"),
            _l(
                "Chaque dépense ou prime porte un montant, une quantité (ex. km) "
                "ou des heures payées à prime."
            ),
        ),
    )
}


def _section(slug: str) -> CatalogSection:
    section = SECTIONS.get(slug)
    if section is None:
        abort(404)
    return section


def _form(section: CatalogSection, entry=None, *, submitted: bool = False) -> CatalogForm:
    """The form for ``section``: from the request when ``submitted``, else from ``entry``."""
    if submitted:
        form = CatalogForm()
    else:
        form = CatalogForm(formdata=None, obj=entry, data=None if entry else {"active": True})
    for name in ("kind", "unit", "is_regular"):
        if name not in section.fields:
            delattr(form, name)
    return form


def _data(section: CatalogSection, form: CatalogForm) -> catalog.CatalogData:
    """What the form holds; ``kind`` is None when it is missing or not one of the list."""
    return catalog.CatalogData(
        code=form.code.data or "",
        name=form.name.data or "",
        active=form.active.data,
        is_regular="is_regular" in section.fields and form.is_regular.data,
        kind=form.kind.data if "kind" in section.fields else None,
        unit=form.unit.data or "" if "unit" in section.fields else "",
    )


def _render_list(section: CatalogSection, form: CatalogForm):
    entries = catalog.list_entries(section.model, current_user.company_id)
    return page_or_fragment(
        "settings/catalog.html",
        "settings/_catalog_list.html",
        fragment_target="catalog-list",
        section=section,
        entries=entries,
        form=form,
    )


@bp.get("/<slug>")
@login_required
@manager_required
def catalog_list(slug: str):
    section = _section(slug)
    return _render_list(section, _form(section))


@bp.post("/<slug>")
@login_required
@manager_required
def catalog_create(slug: str):
    section = _section(slug)
    form = _form(section, submitted=True)
    try:
        entry = catalog.save_entry(
            section.model, current_user.company_id, current_user, _data(section, form)
        )
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return _render_list(section, form)
    db.session.commit()
    entries = catalog.list_entries(section.model, current_user.company_id)
    message = _("« %(code)s » ajouté.", code=entry.code)
    if htmx:
        return fragment_with_toast(
            "settings/_catalog_list.html",
            message,
            section=section,
            entries=entries,
            form=_form(section),
        )
    return render_template(
        "settings/catalog.html", section=section, entries=entries, form=_form(section)
    )


@bp.get("/<slug>/<int:entry_id>/modifier")
@login_required
@manager_required
def catalog_edit(slug: str, entry_id: int):
    section = _section(slug)
    entry = catalog.get_entry(section.model, current_user.company_id, entry_id)
    return render_template(
        "settings/_catalog_row_form.html", section=section, entry=entry, form=_form(section, entry)
    )


@bp.get("/<slug>/<int:entry_id>")
@login_required
@manager_required
def catalog_row(slug: str, entry_id: int):
    section = _section(slug)
    entry = catalog.get_entry(section.model, current_user.company_id, entry_id)
    return render_template("settings/_catalog_row.html", section=section, entry=entry)


@bp.post("/<slug>/<int:entry_id>")
@login_required
@manager_required
def catalog_update(slug: str, entry_id: int):
    section = _section(slug)
    entry = catalog.get_entry(section.model, current_user.company_id, entry_id)
    form = _form(section, submitted=True)
    try:
        catalog.save_entry(
            section.model, current_user.company_id, current_user, _data(section, form), entry
        )
    except ValidationError as error:
        db.session.rollback()
        entry = catalog.get_entry(section.model, current_user.company_id, entry_id)
        if not htmx:  # submitted before htmx wired the row's form
            flash(" ".join(error.field_errors.values()) or error.message, "error")
            return redirect(url_for("settings.catalog_list", slug=slug), 303)
        apply_errors(form, error)
        return render_template(
            "settings/_catalog_row_form.html", section=section, entry=entry, form=form
        )
    db.session.commit()
    if not htmx:
        flash(_("Enregistré."), "success")
        return redirect(url_for("settings.catalog_list", slug=slug), 303)
    if section.model is HourType and entry.is_regular:
        # Another row may have lost the flag: redraw the whole list.
        return fragment_with_toast(
            "settings/_catalog_list.html",
            _("Enregistré."),
            retarget="#catalog-list",
            section=section,
            form=_form(section),
            entries=catalog.list_entries(section.model, current_user.company_id),
        )
    return fragment_with_toast(
        "settings/_catalog_row.html", _("Enregistré."), section=section, entry=entry
    )
