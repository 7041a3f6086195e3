"""Paramètres → Fournisseurs: the company's suppliers, kept from Avantage (read only)."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from portal.blueprints.access import manager_required
from portal.blueprints.forms import page_number
from portal.blueprints.rendering import page_or_fragment
from portal.blueprints.settings import bp
from portal.services import suppliers


@bp.get("/fournisseurs")
@login_required
@manager_required
def suppliers_list():
    search = request.args.get("q", "")[:100]
    page = page_number()
    return page_or_fragment(
        "settings/suppliers.html",
        "settings/_supplier_list.html",
        fragment_target="supplier-list",
        shown=suppliers.supplier_page(current_user.company_id, search=search, page=page),
        search=search,
    )
