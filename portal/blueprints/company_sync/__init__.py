"""Synchroniser on the integration page: Projets, Employés, Métiers, the mapping grids of
Type d'heures and Dépenses et primes (``sections``), and Tout synchroniser, every section in
turn (``chain``)."""

from __future__ import annotations

from flask import Blueprint

from portal.models import SyncSection

bp = Blueprint(
    "company_sync", __name__, url_prefix="/parametres/integrations/<int:integration_id>/synchro"
)

#: URL slug → section, in the order of the tabs.
SECTIONS = {
    "projets": SyncSection.PROJECTS,
    "employes": SyncSection.EMPLOYEES,
    "metiers": SyncSection.TRADES,
    "types-heures": SyncSection.HOUR_TYPES,
    "depenses-primes": SyncSection.EARNINGS,
    "fournisseurs": SyncSection.SUPPLIERS,
    "bons-de-commande": SyncSection.PURCHASE_ORDERS,
}
MAPPING_GRIDS = {SyncSection.HOUR_TYPES, SyncSection.EARNINGS}
#: Sections whose Avantage records are shown as they are, with nothing to link.
LISTED = {SyncSection.PURCHASE_ORDERS}

from portal.blueprints.company_sync import chain, sections  # noqa: E402,F401
