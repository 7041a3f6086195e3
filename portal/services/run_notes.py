"""A run's details: its notes (warnings, records removed from Avantage, what a preview would
change), stored in bulk page by page up to a bound, listed on its page and streamed as CSV."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Row

from portal.i18n import gettext as _
from portal.models import SyncRun, SyncRunNote, db
from portal.services import spreadsheet
from portal.services.bulk_insert import insert_rows
from portal.services.spreadsheet import safe_text

#: How many notes (details) a run's page lists; the CSV has every stored one.
SHOWN_NOTES = 500
#: How many notes a run stores: past it they are only counted (``notes_total``), and the
#: CSV says where it stops. A preview of 100,000 records stays a bounded table.
MAX_STORED_NOTES = 100_000
#: Notes read per query while the CSV streams.
NOTES_CHUNK = 1_000


def add_note(pending: list[dict], action: str, key: str, label: str) -> None:
    """Queue a note in ``pending``: :func:`write_notes` numbers, stores and counts it."""
    pending.append({"action": action, "key": key[:120], "label": label})


def write_notes(run: SyncRun, pending: list[dict]) -> None:
    """Number the queued notes after the run's, store those within the bound with one bulk
    insert (COPY on PostgreSQL), count them all (the caller commits with its page)."""
    if not pending:
        return
    first = run.notes_total
    stored = pending[: max(0, MAX_STORED_NOTES - first)]
    insert_rows(
        SyncRunNote.__table__,
        [
            {"company_id": run.company_id, "run_id": run.id, "position": first + rank, **note}
            for rank, note in enumerate(stored)
        ],
    )
    run.notes_total = first + len(pending)
    pending.clear()


def clear_notes(run: SyncRun) -> None:
    """Forget the notes of an earlier attempt (a preview decides every record again)."""
    db.session.execute(sa.delete(SyncRunNote).where(SyncRunNote.run_id == run.id))
    run.notes_total = 0


def shown_notes(run: SyncRun, limit: int | None = None) -> list[SyncRunNote]:
    """The first ``limit`` (``SHOWN_NOTES``) notes of the run, in the order they were taken."""
    return list(
        db.session.scalars(
            sa.select(SyncRunNote)
            .where(SyncRunNote.run_id == run.id, SyncRunNote.company_id == run.company_id)
            .order_by(SyncRunNote.position)
            .limit(limit or SHOWN_NOTES)
        )
    )


def stored_notes(run: SyncRun) -> Iterator[Row]:
    """Every stored note of the run as (position, action, key, label) rows, read
    ``NOTES_CHUNK`` at a time (keyset on the position: memory stays flat however long)."""
    after, chunk = -1, NOTES_CHUNK
    while True:
        rows = db.session.execute(
            sa.select(SyncRunNote.position, SyncRunNote.action, SyncRunNote.key, SyncRunNote.label)
            .where(
                SyncRunNote.run_id == run.id,
                SyncRunNote.company_id == run.company_id,
                SyncRunNote.position > after,
            )
            .order_by(SyncRunNote.position)
            .limit(chunk)
        ).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].position


def stored_count(run: SyncRun) -> int:
    """How many of the run's notes are stored (the rest, past the bound, only counted)."""
    return min(run.notes_total, MAX_STORED_NOTES)


def action_label(run: SyncRun, action: str) -> str:
    """A note's kind as its badge says it (« serait créé » in a preview, « créé » otherwise)."""
    labels = {
        "created": (_("créé"), _("serait créé")),
        "linked": (_("lié"), _("serait lié")),
        "updated": (_("mis à jour"), _("serait mis à jour")),
        "removed": (_("retiré d'Avantage"), _("serait retiré d'Avantage")),
        "warning": (_("avertissement"), _("avertissement")),
    }
    done, would = labels.get(action, (action, action))
    return would if run.preview else done


def csv_lines(run: SyncRun, chosen: spreadsheet.Dialect) -> Iterator[bytes]:
    """The run's details as a streamed CSV (``spreadsheet``): every stored note, and a last
    line saying where the list stops when the run took more notes than it stores."""
    header = [_("Résultat"), _("Clé dans Avantage"), _("Détail")]
    return spreadsheet.stream(header, _csv_rows(run), chosen)


def _csv_rows(run: SyncRun) -> Iterator[list[str]]:
    for note in stored_notes(run):
        yield [action_label(run, note.action), safe_text(note.key), safe_text(note.label)]
    if run.notes_total > stored_count(run):
        yield [
            _(
                "Liste arrêtée aux %(stored)d premiers sur %(total)d : le portail n'en "
                "conserve pas plus par synchronisation.",
                stored=stored_count(run),
                total=run.notes_total,
            )
        ]
