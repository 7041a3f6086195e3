"""What a console row may be linked to: the portal records a link picker lists."""

from __future__ import annotations

import sqlalchemy as sa

from portal.formatting import sorted_by_name
from portal.models import Integration, SyncSection, User, db
from portal.services.console_scope import ConsoleScope, label_text, order_column, search_words
from portal.services.folding import folded
from portal.services.matching import local_label

#: How many records a console row's picker lists before a search narrows them.
PICKER_SIZE = 20


def console_choices(
    integration: Integration, section: SyncSection, *, search: str = "", limit: int = 500
) -> list[tuple[int, str]]:
    """The portal records a row can be linked to, holding every word of ``search``: every
    active one for the mapping grids, the still unlinked ones elsewhere (at most ``limit``,
    in the order of their labels)."""
    part = ConsoleScope(integration, section, "", None)
    model = part.model
    query = sa.select(model).where(*part.in_scope(model))
    if section in (SyncSection.HOUR_TYPES, SyncSection.EARNINGS):
        query = query.where(model.active.is_(True))
    else:
        query = query.where(part.unlinked(model))
    for word in search_words(search):
        query = query.where(folded(label_text(section, model)).contains(word, autoescape=True))
    order = model.employee_number if model is User else order_column(section, model)
    records = db.session.scalars(query.order_by(order, model.id).limit(limit))
    return sorted_by_name(
        ((record.id, local_label(section, record)) for record in records), lambda pair: pair[1]
    )
