"""After the preflight: sending only the ready sheets, "Envoyer seulement les feuilles
valides" only when one is, and the export list telling the truth once a batch ends."""

from __future__ import annotations

import html
import json

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExportBatch,
    Timesheet,
    TimesheetStatus,
)
from tests.fixtures.export_world import MONDAY
from tests.fixtures.preflight import BASE, HTMX, confirmed_send, mirror, send_anyway, toast
from tests.fixtures.queue import work


@pytest.mark.parametrize("htmx", [True, False])
def test_send_only_the_ready_sheets(client, world, rq, htmx):
    mirror(world)
    ready = world.sheet(world.employees["1002"])
    other = world.sheet(world.employees["1003"])
    inactive = world.sheet(world.employees["1031"])
    chosen = {"sheet": [ready.id, inactive.id, other.id]}
    preview = html.unescape(client.post(f"{BASE}/apercu", data=chosen, headers=HTMX).text)
    left_out = preview[preview.index("preflight-ready") :]
    assert "1 feuille(s) laissée(s) de côté" in left_out
    assert f'data-left-out="{inactive.id}"' in left_out and "inactif" in left_out
    assert "Envoyer les feuilles prêtes (2)" in left_out and 'name="ready_only"' in left_out

    blocked = client.post(f"{BASE}/envoyer", data=chosen, headers=HTMX)
    assert "ne peuvent pas être envoyées" in toast(blocked)
    response = confirmed_send(client, {**chosen, "ready_only": "y"}, HTMX if htmx else None)
    batch = db.session.scalar(sa.select(ExportBatch))
    if htmx:
        assert 'id="export-progress"' in response.text
    else:
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/lots/{batch.id}")
    work()
    db.session.expire_all()
    batch = db.session.get(ExportBatch, batch.id)
    assert batch.status == BatchStatus.COMMITTED and batch.sheet_count == 2
    assert {line.timesheet_id for line in batch.lines} == {ready.id, other.id}
    left = db.session.get(Timesheet, inactive.id)
    assert left.status == TimesheetStatus.VALIDATED and left.export_lock_id is None
    assert db.session.get(Timesheet, ready.id).status == TimesheetStatus.FROZEN


@pytest.mark.parametrize("ready", [0, 2])
def test_no_ready_button_when_all_or_none_are_blocked(client, world, ready):
    mirror(world)
    sheets = [world.sheet(world.employees["1031"])]
    if ready:
        sheets = [world.sheet(world.employees[number]) for number in ("1002", "1003")]
    preview = client.post(
        f"{BASE}/apercu", data={"sheet": [sheet.id for sheet in sheets]}, headers=HTMX
    )
    assert "export-send-ready" not in preview.text


def test_ready_only_with_nothing_ready_sends_nothing(client, world, rq):
    mirror(world)
    inactive = world.sheet(world.employees["1031"])
    response = client.post(
        f"{BASE}/envoyer", data={"sheet": [inactive.id], "ready_only": "y"}, headers=HTMX
    )
    assert "Aucune feuille choisie n'est prête" in toast(response)
    assert db.session.scalar(sa.select(sa.func.count(ExportBatch.id))) == 0


@pytest.mark.parametrize(("numbers", "offered"), [(("1002", "1031"), True), (("1031",), False)])
def test_valid_sheets_button_only_when_a_sheet_is_valid(
    client, world, rq, monkeypatch, numbers, offered
):
    mirror(world)
    sheets = [world.sheet(world.employees[number]) for number in numbers]
    batch = send_anyway(world, monkeypatch, *sheets)
    assert batch.status == BatchStatus.REJECTED
    progress = client.get(f"{BASE}/lots/{batch.id}/progression", headers=HTMX).text
    assert ("Envoyer seulement les feuilles valides" in progress) is offered
    page = client.get(f"{BASE}/lots/{batch.id}").text
    assert ('id="export-resend-valid"' in page) is offered


def test_the_list_reloads_itself_when_the_batch_ends(client, world, rq):
    sheet = world.sheet(world.employees["1002"])
    page = html.unescape(client.get(f"{BASE}?semaine={MONDAY.isoformat()}").text)
    region = page[page.index('<section id="export-list"') :]
    region = region[: region.index(">")]
    assert 'hx-trigger="export-finished from:body"' in region and 'hx-target="this"' in region
    url = region.split('hx-get="', 1)[1].split('"', 1)[0]
    assert url.startswith(BASE) and f"semaine={MONDAY.isoformat()}" in url

    confirmed_send(client, {"sheet": [sheet.id]})
    batch = db.session.scalar(sa.select(ExportBatch))
    polling = client.get(f"{BASE}/lots/{batch.id}/progression?poll=1", headers=HTMX)
    assert polling.status_code == 200 and "export-finished" not in polling.headers.get(
        "HX-Trigger", ""
    )
    work()
    done = client.get(f"{BASE}/lots/{batch.id}/progression?poll=1", headers=HTMX)
    assert done.status_code == 286
    trigger = json.loads(done.headers["HX-Trigger"])
    assert trigger["export-finished"] == {"batch": batch.id} and "toast" in trigger

    reloaded = html.unescape(client.get(url, headers={**HTMX, "HX-Target": "export-list"}).text)
    assert reloaded.lstrip().startswith('<section id="export-list"')
    row = reloaded[reloaded.index(f'id="export-sheet-{sheet.id}"') :]
    row = row[: row.index("</tr>")]
    db.session.expire_all()
    sent = db.session.get(ExportBatch, batch.id)
    assert "Gelée" in row and f"Envoyée · {sent.avantage_batch}" in row
    assert "checked" not in row
