"""The Exportation vers la paie screens over HTTP."""

from __future__ import annotations

import html
import json

import pytest

from portal.extensions import db
from portal.models import ExportBatch, SyncSection, Timesheet, TimesheetStatus
from portal.models.base import utcnow
from portal.services import notifications
from tests.fixtures.export_world import entries
from tests.fixtures.preflight import confirmed_send
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true"}
BASE = "/feuilles-de-temps/exportation"


def test_the_tab_lists_only_validated_and_frozen_sheets(client, world):
    validated = world.sheet(world.employees["1002"])
    frozen = world.sheet(world.employees["1003"], status=TimesheetStatus.FROZEN)
    submitted = world.sheet(world.employees["1031"], status=TimesheetStatus.SUBMITTED)
    page = client.get(BASE).text
    assert f'id="export-sheet-{validated.id}"' in page and f'id="export-sheet-{frozen.id}"' in page
    assert f'id="export-sheet-{submitted.id}"' not in page
    assert "Exportation vers la paie" in page and "Jamais envoyée" in page
    only_frozen = client.get(f"{BASE}?statut=frozen", headers={**HTMX, "HX-Target": "export-list"})
    assert f"export-sheet-{frozen.id}" in only_frozen.text
    assert f"export-sheet-{validated.id}" not in only_frozen.text


def test_preview_shows_the_exact_lines_and_the_preflight(client, world):
    sheet = world.sheet(world.employees["1002"], overtime="1.50", km="12")
    response = html.unescape(
        client.post(f"{BASE}/apercu", data={"sheet": [sheet.id]}, headers=HTMX).text
    )
    assert response.lstrip().startswith('<section id="export-preview"')
    assert "3 ligne(s)" in response and "T1.5" in response and "1,50\u00a0h" in response
    db.session.execute(db.delete(world_link()).where(world_link().c.entity == "trades"))
    db.session.commit()
    response = html.unescape(
        client.post(f"{BASE}/apercu", data={"sheet": [sheet.id]}, headers=HTMX).text
    )
    assert "Le métier CHARP n'est lié à aucun métier d'Avantage." in response
    assert "/synchro/metiers" in response  # the link to fix it


def world_link():
    from portal.models import RecordLink

    return RecordLink.__table__


def test_send_polls_then_ends_with_a_toast_and_the_badge(client, world, rq):
    sheet = world.sheet(world.employees["1002"])
    response = confirmed_send(client, {"sheet": [sheet.id]})
    assert 'hx-trigger="every 500ms"' in response.text
    batch = db.session.scalar(db.select(ExportBatch))
    work()
    done = client.get(f"{BASE}/lots/{batch.id}/progression?poll=1", headers=HTMX)
    assert done.status_code == 286
    message = json.loads(done.headers["HX-Trigger"])["toast"]["message"]
    assert "accepté par Avantage" in message
    db.session.expire_all()
    batch = db.session.get(ExportBatch, batch.id)
    sheet_page = html.unescape(
        client.get(f"/feuilles-de-temps/{sheet.id}", follow_redirects=True).text
    )
    assert f"Envoyée · {batch.avantage_batch}" in sheet_page and "Gelée" in sheet_page
    row = html.unescape(client.get(BASE).text)
    row = row[row.index(f'id="export-sheet-{sheet.id}"') :]
    row = row[: row.index("</tr>")]
    assert f"Envoyée · {batch.avantage_batch}" in row  # the batch number
    assert world.admin.full_name in row  # who sent it
    assert str(batch.finished_at.year) in row  # and when
    listing = html.unescape(client.get(f"{BASE}/lots").text)
    assert batch.avantage_batch in listing and "Accepté par Avantage" in listing
    detail = html.unescape(client.get(f"{BASE}/lots/{batch.id}").text)
    assert "Acceptée" in detail and batch.avantage_batch in detail
    assert batch.batch_key not in detail  # the portal's idempotency key is not for users


def test_a_blocked_send_shows_the_reason_and_queues_nothing(client, world, rq):
    sheet = world.sheet(world.employees["1002"])
    db.session.execute(
        db.delete(world_link()).where(world_link().c.entity == SyncSection.PROJECTS.value)
    )
    db.session.commit()
    response = client.post(f"{BASE}/envoyer", data={"sheet": [sheet.id]}, headers=HTMX)
    assert response.headers["HX-Retarget"] == "#export-preview"
    assert (
        "ne peuvent pas être envoyées"
        in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    )
    assert db.session.scalar(db.select(db.func.count(ExportBatch.id))) == 0
    assert db.session.get(Timesheet, sheet.id).export_lock_id is None


def test_rejected_batch_page_explains_each_rejection(client, world, rq):
    bad = world.sheet(world.employees["1031"])
    confirmed_send(client, {"sheet": [bad.id]})
    work()
    batch = db.session.scalar(db.select(ExportBatch))
    detail = html.unescape(client.get(f"{BASE}/lots/{batch.id}").text)
    assert "INACTIVE_EMPLOYEE" in detail and "inactif dans Avantage" in detail
    # Its only sheet has a rejected line: nothing valid to send on its own.
    assert "Envoyer seulement les feuilles valides" not in detail
    assert "Aucune feuille de ce lot n'a toutes ses lignes acceptées" in detail
    assert entries(world.simulator) == []
    # The scheduler's notification job tells the sender (and the Superadmins), once.
    told = notifications.sweep(utcnow())
    assert batch.requested_by_id in {n.user_id for n in told}
    assert all(n.kind == notifications.BATCH_REJECTED for n in told)
    assert notifications.sweep(utcnow()) == []


@pytest.mark.parametrize("bad", [["abc"], ["-3"], ["99999999999"], []])
def test_hostile_selections_never_500(client, world, bad):
    response = client.post(f"{BASE}/apercu", data={"sheet": bad}, headers=HTMX)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("role", ["employee", "validator", "manager"])
def test_only_timesheet_admins_export(client, world, make_user, auth, role):
    sheet = world.sheet(world.employees["1002"])
    auth.login(make_user(role, employee_number="9200"))
    for method, url in [
        ("get", BASE),
        ("post", f"{BASE}/apercu"),
        ("post", f"{BASE}/envoyer"),
        ("get", f"{BASE}/lots"),
    ]:
        response = getattr(client, method)(url, data={"sheet": [sheet.id]}, headers=HTMX)
        assert response.status_code == 403, (role, url)


def test_another_company_cannot_open_a_batch(client, world, rq, make_company, make_user, auth):
    sheet = world.sheet(world.employees["1002"])
    confirmed_send(client, {"sheet": [sheet.id]})
    batch = db.session.scalar(db.select(ExportBatch))
    auth.login(make_user("ts_admin", company=make_company("Autre inc."), employee_number="9300"))
    assert client.get(f"{BASE}/lots/{batch.id}").status_code == 404
    assert client.post(f"{BASE}/lots/{batch.id}/reprendre").status_code == 404
    response = client.post(f"{BASE}/apercu", data={"sheet": [sheet.id]}, headers=HTMX)
    assert response.status_code in (200, 404) and "export-line" not in response.text
