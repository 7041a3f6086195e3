"""Exportation vers la paie, downloaded: the Aperçu and a batch as CSV files for Excel
(``services/export_csv``), behind the same permission and company checks as their pages."""

from __future__ import annotations

from flask import Response
from flask_babel import get_locale
from flask_login import current_user, login_required

from portal.blueprints.rendering import csv_download
from portal.blueprints.timesheets import bp
from portal.blueprints.timesheets.export import (
    admin_required,
    required_integration,
    selected_sheets,
)
from portal.i18n import gettext as _
from portal.services import export, export_csv, export_queries, export_review, spreadsheet


@bp.post("/exportation/apercu.csv")
@login_required
@admin_required
def export_preview_csv():
    """The Aperçu of the selection as a CSV: the lines it would send, then what blocks."""
    integration = required_integration()
    plan = export.plan(integration, selected_sheets())
    labels = export_review.Labels(integration.id)
    return _csv(export_csv.preview_rows(plan, labels), _("apercu-paie"))


def _csv(rows, name: str) -> Response:
    """A streamed CSV download of ``rows`` in the reader's language (``export_csv``)."""
    chosen = spreadsheet.dialect(str(get_locale()))
    return csv_download(export_csv.encode(rows, chosen), name)


@bp.get("/exportation/lots/<int:batch_id>/csv")
@login_required
@admin_required
def export_batch_csv(batch_id: int):
    """Every line of the batch as sent, with Avantage's verdict, as a CSV."""
    batch = export_queries.get_batch(current_user.company_id, batch_id)
    number = "".join(c for c in (batch.avantage_batch or str(batch.id)) if c.isalnum() or c == "-")
    return _csv(export_csv.batch_rows(batch), _("lot-%(number)s", number=number))
