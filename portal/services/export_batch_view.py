"""A batch as the office reads it: its lines read chunk by chunk (never every ORM object at
once), its totals and its rejections grouped by cause over the whole batch, and one page of
its sheets with their lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from math import ceil

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from portal.models import ExportBatch, ExportLine, Timesheet, db
from portal.services.export_messages import rejection_sentence
from portal.services.export_review import Labels, ReadableLine, Totals
from portal.services.paging import PageNumbers

#: Lines read per query.
CHUNK = 1000
#: Sheets shown per page of the batch page (the CSV has them all).
SHEETS_PER_PAGE = 25
#: Lines listed under one grouped rejection (the count is always the whole).
LISTED = 200


def lines(
    batch: ExportBatch, labels: Labels | None = None, *, sheet_ids: list[int] | None = None
) -> Iterator[ReadableLine]:
    """The batch's lines in line order, ``CHUNK`` per query, names looked up per chunk."""
    labels = labels or Labels(batch.integration_id)
    original = aliased(ExportLine)
    last = 0
    while True:
        query = (
            sa.select(
                ExportLine.line_no,
                ExportLine.timesheet_id,
                ExportLine.payload,
                ExportLine.rejection_code,
                ExportLine.rejection_message,
                original.payload.label("original"),
            )
            .outerjoin(original, original.id == ExportLine.reverses_line_id)
            .where(ExportLine.batch_id == batch.id, ExportLine.line_no > last)
        )
        if sheet_ids is not None:
            query = query.where(ExportLine.timesheet_id.in_(sheet_ids))
        rows = db.session.execute(query.order_by(ExportLine.line_no).limit(CHUNK)).all()
        if not rows:
            return
        labels.learn(row.original or row.payload for row in rows)
        for row in rows:
            yield labels.readable(
                row.timesheet_id,
                row.payload,
                row.original,
                line_no=row.line_no,
                rejection_code=row.rejection_code,
                rejection_message=row.rejection_message,
            )
        if len(rows) < CHUNK:
            return
        last = rows[-1].line_no


@dataclass
class RejectionGroup:
    """The lines Avantage refused for one reason."""

    code: str
    sentence: str
    count: int = 0
    #: The first ``LISTED`` of them.
    lines: list[ReadableLine] = field(default_factory=list)


@dataclass
class BatchReview:
    """What the batch page says of the whole batch, read in one pass over its lines."""

    totals: Totals = field(default_factory=Totals)
    rejections: dict[str, RejectionGroup] = field(default_factory=dict)
    #: The batch's sheets in the order of their first line.
    sheet_order: list[int] = field(default_factory=list)
    per_page: int = SHEETS_PER_PAGE

    def page_of(self, sheet_id: int) -> int:
        """The page of the batch page that shows this sheet."""
        return self._positions[sheet_id] // self.per_page + 1

    def __post_init__(self) -> None:
        self._positions: dict[int, int] = {}

    def add(self, line: ReadableLine) -> None:
        if line.sheet_id not in self._positions:
            self._positions[line.sheet_id] = len(self.sheet_order)
            self.sheet_order.append(line.sheet_id)
        self.totals.add(line)
        if line.rejection_code:
            sentence = rejection_sentence(line.rejection_code, line.rejection_message or "")
            group = self.rejections.setdefault(
                sentence, RejectionGroup(line.rejection_code, sentence)
            )
            group.count += 1
            if len(group.lines) < LISTED:
                group.lines.append(line)


def review(batch: ExportBatch, labels: Labels | None = None) -> BatchReview:
    """Totals, grouped rejections and sheet order of the whole batch."""
    result = BatchReview(per_page=SHEETS_PER_PAGE)
    for line in lines(batch, labels):
        result.add(line)
    return result


@dataclass
class SheetPage(PageNumbers):
    """One page of a batch's sheets, each with its lines (the partial's pagination shape)."""

    page: int
    per_page: int
    total: int
    items: list[tuple[Timesheet, list[ReadableLine]]]


def sheet_page(batch: ExportBatch, summary: BatchReview, page: int, labels: Labels) -> SheetPage:
    """The sheets of page ``page`` (clamped) with their lines: two queries and the names."""
    per_page = summary.per_page
    total = len(summary.sheet_order)
    page = min(max(page, 1), max(1, ceil(total / per_page)))
    ids = summary.sheet_order[(page - 1) * per_page : page * per_page]
    sheets = {
        sheet.id: sheet
        for sheet in db.session.scalars(
            sa.select(Timesheet)
            .where(Timesheet.company_id == batch.company_id, Timesheet.id.in_(ids))
            .options(joinedload(Timesheet.employee))
        )
    }
    grouped: dict[int, list[ReadableLine]] = {sheet_id: [] for sheet_id in ids}
    if ids:
        for line in lines(batch, labels, sheet_ids=ids):
            grouped[line.sheet_id].append(line)
    items = [(sheets[sheet_id], grouped[sheet_id]) for sheet_id in ids if sheet_id in sheets]
    return SheetPage(page, per_page, total, items)
