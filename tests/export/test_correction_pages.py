"""Corrections over HTTP: Dégeler with a reason, the revision's original and difference on the
sheet, « En correction » where the sheet is counted, Aligner le portail from a Rapprochement,
Corrigée dans Avantage for a server without reversal lines."""

from __future__ import annotations

import html

from portal import jobs
from portal.avantage.simulator import office
from portal.extensions import db
from portal.models import AuditEvent, BatchStatus, Timesheet, TimesheetRevision, TimesheetStatus
from tests.export.test_corrections import correct_tuesday, revalidate, send, sent_sheet
from tests.fixtures.export_world import entries
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true", "HX-Target": "sheet"}


def text(response) -> str:
    return html.unescape(response.text)


def degeler(client, sheet, reason="Mardi : 6 h, pas 7,5 h", **extra):
    return client.post(
        f"/feuilles-de-temps/{sheet.id}/degeler", data={"reason": reason, **extra}, headers=HTMX
    )


def test_degeler_shows_the_revision_the_original_and_the_difference(world, rq, client):
    sheet = sent_sheet(world)
    page = text(client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True))
    assert "Dégeler la feuille" in page and "la révision R1" in page

    answer = degeler(client, sheet)
    assert answer.status_code == 200
    assert "Révision R1 en correction." in text(answer)
    assert "Feuille dégelée" in answer.headers["HX-Trigger"].encode().decode("unicode_escape")
    correct_tuesday(db.session.get(Timesheet, sheet.id))

    page = text(client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True))
    assert "« Mardi : 6 h, pas 7,5 h »" in page and "En correction · R1" in page
    diff = page.split('id="sheet-revisions"', 1)[1]
    assert diff.count('data-diff="same"') == 1
    assert diff.count('data-diff="changed"') == 1
    assert diff.count('data-diff="removed"') == 1
    assert diff.count('data-diff="added"') == 1
    assert "3 lignes diffèrent de la version gelée" in diff
    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "timesheet.unfreeze")
    )
    assert event.details["reason"] == "Mardi : 6 h, pas 7,5 h" and event.details["revision"] == 1


def test_the_reason_is_required_and_nothing_changes_without_it(world, rq, client):
    sheet = sent_sheet(world)
    answer = degeler(client, sheet, reason="  ")
    assert answer.status_code == 200
    assert "Dites pourquoi la feuille doit être corrigée" in text(answer)
    db.session.expire_all()
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN
    assert db.session.scalar(db.select(db.func.count()).select_from(TimesheetRevision)) == 0


def test_a_sheet_in_correction_is_flagged_in_the_export_list_budget_and_history(world, rq, client):
    sheet = sent_sheet(world)
    batch = sheet.last_export
    degeler(client, sheet)
    correct_tuesday(db.session.get(Timesheet, sheet.id))
    url = f"/feuilles-de-temps/exportation?integration={world.integration.id}"
    waiting = text(client.get(url))  # a draft: not in the list yet, but said above it
    assert "1 feuille dégelée pour une correction n'est pas encore validée" in waiting
    assert f'data-in-correction="{sheet.id}"' in waiting and "brouillon" in waiting
    revalidate(world, db.session.get(Timesheet, sheet.id))
    listing = text(client.get(url))
    assert "En correction · R1" in listing and 'id="corrections-under-way"' not in listing
    history = text(client.get("/historique/"))
    assert 'data-in-correction="1"' in history and "1 feuille en correction" in history
    from portal.services.sync import budget

    line = budget.budget_view(world.integration, "24-101", world.work["project"]).by_activity[
        world.work["formwork"].id
    ]
    assert line.correction_hours == line.portal_hours > 0

    preview = text(
        client.post(
            "/feuilles-de-temps/exportation/apercu",
            data={"integration": world.integration.id, "sheet": sheet.id},
            headers={"HX-Request": "true"},
        )
    )
    assert (
        f"correction R1 : annule 3 ligne(s) du lot {batch.avantage_batch}, ajoute 3 ligne(s)"
        in preview
    )
    assert "une seconde fois" not in preview  # a correction is no resend
    assert f"annule la ligne 2 du lot {batch.avantage_batch}" in preview


def test_aligner_le_portail_from_a_reconciliation(world, rq, client):
    sheet = sent_sheet(world)
    batch = sheet.last_export
    tuesday = next(e for e in entries(world.simulator) if e["date"] == "2026-11-24")
    office.change_entry(
        world.simulator.server.state, world.simulator.server.dataset, tuesday["entry"], hours="6.00"
    )
    jobs.start_reconciliation(batch, world.admin)
    work()
    page = text(client.get(f"/feuilles-de-temps/exportation/lots/{batch.id}/rapprochement"))
    assert "Aligner le portail sur Avantage" in page and f'data-align="{sheet.id}"' in page
    reconciliation_id = page.split('name="rapprochement" value="', 1)[1].split('"', 1)[0]

    answer = client.post(
        f"/feuilles-de-temps/{sheet.id}/degeler",
        data={
            "reason": f"Rapprochement du lot {batch.avantage_batch} : 1 ligne modifiée",
            "rapprochement": reconciliation_id,
        },
    )
    assert answer.status_code == 303
    revision = db.session.scalars(db.select(TimesheetRevision)).one()
    assert revision.reconciliation_id == int(reconciliation_id)
    page = text(client.get(f"/feuilles-de-temps/exportation/lots/{batch.id}/rapprochement"))
    assert "Aligner le portail" not in page  # unfrozen: nothing left to align


def test_a_reconciliation_of_another_batch_is_refused(world, rq, client):
    sheet = sent_sheet(world)
    answer = degeler(client, sheet, rapprochement="999999")
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN


def test_corrigee_dans_avantage_for_a_server_without_reversals(world, rq, client):
    sheet = sent_sheet(world)
    world.simulator.server.config.reversal = False
    degeler(client, sheet)
    revalidate(world, db.session.get(Timesheet, sheet.id))
    assert send(world, sheet).status == BatchStatus.FAILED
    page = text(client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True))
    assert "Ce serveur Avantage n'accepte pas les corrections" in page
    answer = client.post(f"/feuilles-de-temps/{sheet.id}/corrigee-dans-avantage", headers=HTMX)
    assert answer.status_code == 200
    db.session.expire_all()
    sheet = db.session.get(Timesheet, sheet.id)
    assert (sheet.status, sheet.in_correction) == (TimesheetStatus.FROZEN, False)
    page = text(client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True))
    assert "Corrigée directement dans Avantage, hors du portail" in page
    assert "Dégeler la feuille" not in page  # Avantage's batch is no longer the sheet's truth
