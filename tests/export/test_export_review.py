"""A payroll preview a payroll clerk can check: names beside codes, dates in words, values
with their unit, totals, errors grouped by cause; the pay-period filter; Envoyer's
confirmation from the plan the server sends; and no query per row on the way."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExportBatch,
    HourLine,
    RecordLink,
    SyncSection,
    TimesheetStatus,
)
from portal.services import export_batch_view, export_review
from portal.services.export_data import Problem
from tests.fixtures.export_world import MONDAY
from tests.fixtures.preflight import BASE, HTMX, NEXT_WEEK, mirror, send, send_anyway, toast
from tests.fixtures.queue import work
from tests.fixtures.statements import counted

NBSP = "\u00a0"


def _text(response) -> str:
    return html.unescape(response.text)


def _unlink(world, section: SyncSection) -> None:
    db.session.execute(
        sa.delete(RecordLink).where(
            RecordLink.integration_id == world.integration.id, RecordLink.entity == section
        )
    )
    db.session.commit()


def test_the_preview_reads_as_payroll(client, world):
    employee = world.employees["1002"]
    sheet = world.sheet(employee, hours=("8.00", "7.50"), overtime="1.50", km="12", meal="17.50")
    page = _text(client.post(f"{BASE}/apercu", data={"sheet": [sheet.id]}, headers=HTMX))
    lines = page[page.index('class="export-lines"') :]
    assert f"{employee.full_name} <small" in lines and "(1002)" in lines
    assert "lundi 23 novembre 2026" in lines and "mardi 24 novembre 2026" in lines
    assert "2026-11-23" not in page  # no ISO date on screen
    for code, name in [
        ("24-101", "Résidence Tremblay — Lévis"),
        ("03-100", "Coffrage"),
        ("06-100", "Charpente"),
        ("CHARP", "Charpentier-menuisier"),
        ("REG", "Régulier"),
        ("T1.5", "Temps et demi"),
        ("KM", "Kilométrage"),
    ]:
        assert f'<span class="code">{code}</span> <span class="name">{name}</span>' in lines
    for value in (f"8,00{NBSP}h", f"1,50{NBSP}h", f"12,00{NBSP}km", f"17,50{NBSP}$"):
        assert f'<td class="num">{value}</td>' in lines
    by_employee = page[page.index('data-employee="1002"') :]
    by_employee = by_employee[: by_employee.index("</tr>")]
    assert f"17,00{NBSP}h" in by_employee and f"17,50{NBSP}$" in by_employee
    assert '<td class="num">5</td>' in by_employee  # lines
    by_type = page[page.index('class="totals-by-type"') :]
    by_type = by_type[: by_type.index("</table>")]
    rows = re.findall(r'data-type="([^"]+)"', by_type)
    assert rows == ["REG", "T1.5", "KM", "REPAS"]  # hour types first
    regular = by_type[by_type.index('data-type="REG"') :]
    assert f"15,50{NBSP}h" in regular[: regular.index("</tr>")]


def test_errors_with_one_cause_are_one_message_that_opens_on_its_lines(client, world):
    sheets = [
        world.sheet(world.employees[number], hours=("8.00", "8.00", "8.00", "8.00"))
        for number in ("1002", "1003", "1031")
    ]
    _unlink(world, SyncSection.PROJECTS)
    page = _text(
        client.post(f"{BASE}/apercu", data={"sheet": [s.id for s in sheets]}, headers=HTMX)
    )
    errors = page[
        page.index("preflight-errors") : page.index("</div>", page.index("preflight-errors"))
    ]
    message = "Le projet 24-101 n'est lié à aucun projet d'Avantage."
    assert "12 lignes ne peuvent pas être envoyées" in errors
    assert errors.count(message) == 1  # once for the twelve lines
    assert errors.count('class="problem-group"') == 1
    details = errors[errors.index("<details") : errors.index("</details>")]
    assert "Voir les 12 lignes concernées" in details
    assert details.count("<li>") == 12
    assert "jeudi 26 novembre 2026" in details and "(1031)" in details
    assert 'data-fix="project"' in errors


def test_group_problems_keeps_causes_apart_in_the_order_seen(world):
    sheet = world.sheet(world.employees["1002"])
    a = Problem(sheet, "A", "project", 1, MONDAY)
    b = Problem(sheet, "B", "trade", 2, MONDAY)
    other_project = Problem(sheet, "A", "project", 3, MONDAY)
    groups = export_review.group_problems([a, b, a, other_project, b])
    assert [(g.message, g.target_id, len(g.problems)) for g in groups] == [
        ("A", 1, 2),
        ("B", 2, 2),
        ("A", 3, 1),
    ]


def test_the_batch_page_reads_as_payroll_and_groups_rejections(client, world, rq, monkeypatch):
    mirror(world)
    good = world.sheet(world.employees["1002"], km="12")
    inactive = [
        world.sheet(world.employees["1031"], week=week, hours=("8.00", "6.00"))
        for week in (MONDAY, NEXT_WEEK)
    ]
    batch = send_anyway(world, monkeypatch, good, *inactive)
    page = _text(client.get(f"{BASE}/lots/{batch.id}"))
    rejections = page[page.index("batch-rejections") :]
    rejections = rejections[: rejections.index("</div>")]
    assert "4 lignes refusées par Avantage" in rejections
    assert rejections.count("L'employé est inactif dans Avantage") == 1
    assert "Voir les 4 lignes concernées" in rejections
    assert rejections.count('href="/feuilles-de-temps/exportation/lots/') == 4
    assert "#batch-line-" in rejections and "lundi 30 novembre 2026" in rejections
    sheet = page[page.index(f'id="batch-sheet-{good.id}"') :]
    assert "lundi 23 novembre 2026" in sheet and f"12,00{NBSP}km" in sheet
    assert '<span class="code">KM</span> <span class="name">Kilométrage</span>' in sheet
    assert "(1002)" in sheet and world.employees["1002"].full_name in sheet
    assert 'data-employee="1031"' in page and f"28,00{NBSP}h" in page  # its total
    # On its own page, the batch's progress has no "Voir le lot" link to the page itself.
    assert "Voir le lot" not in page
    poll = client.get(
        f"{BASE}/lots/{batch.id}/progression",
        headers={**HTMX, "HX-Current-URL": f"http://localhost{BASE}/lots/{batch.id}"},
    )
    assert "Voir le lot" not in poll.text
    elsewhere = client.get(
        f"{BASE}/lots/{batch.id}/progression",
        headers={**HTMX, "HX-Current-URL": f"http://localhost{BASE}"},
    )
    assert f'href="{BASE}/lots/{batch.id}">Voir le lot' in elsewhere.text


def test_a_long_batch_pages_its_sheets_and_links_each_rejection_to_its_page(
    client, world, rq, monkeypatch
):
    good = world.sheet(world.employees["1002"])
    refused = [world.sheet(world.employees["1031"], week=week) for week in (MONDAY, NEXT_WEEK)]
    batch = send_anyway(world, monkeypatch, good, *refused)
    monkeypatch.setattr(export_batch_view, "SHEETS_PER_PAGE", 1)
    first = client.get(f"{BASE}/lots/{batch.id}").text
    assert first.count('class="card batch-sheet"') == 1 and f"batch-sheet-{good.id}" in first
    assert "Page 1 sur 3" in first
    links = re.findall(r'href="[^"]*page=(\d)#batch-line-(\d+)"', first)
    assert links == [("2", "2"), ("3", "3")]  # each refused line, on its sheet's page
    third = client.get(f"{BASE}/lots/{batch.id}?page=3").text
    assert f"batch-sheet-{refused[1].id}" in third and 'id="batch-line-3"' in third
    assert "Page 3 sur 3" in client.get(f"{BASE}/lots/{batch.id}?page=99").text


def test_the_pay_period_filter_shows_a_week_or_a_range(client, world):
    employee = world.employees["1002"]
    weeks = [MONDAY + timedelta(days=7 * n) for n in range(3)]
    sheets = [world.sheet(employee, week=week) for week in weeks]
    listed = lambda query: set(  # noqa: E731
        int(i) for i in re.findall(r'id="export-sheet-(\d+)"', client.get(f"{BASE}?{query}").text)
    )
    assert listed("") == {s.id for s in sheets}
    assert listed(f"semaine={weeks[1].isoformat()}") == {sheets[1].id}
    wednesday = weeks[1] + timedelta(days=2)  # any day stands for its week
    assert listed(f"semaine={weeks[0].isoformat()}&semaine_fin={wednesday}") == {
        sheets[0].id,
        sheets[1].id,
    }
    assert listed(f"semaine={weeks[2]}&semaine_fin={weeks[1]}") == {sheets[1].id, sheets[2].id}
    page = _text(client.get(f"{BASE}?semaine={weeks[0]}&semaine_fin={weeks[1]}"))
    assert "Période de paie du 23 novembre 2026 au 6 décembre 2026 : 2 feuille(s)" in page
    for hostile in ("semaine_fin=9999-12-31", "semaine=0001-01-01&semaine_fin=x", "semaine_fin=-1"):
        assert client.get(f"{BASE}?{hostile}").status_code == 200
    checked = client.get(f"{BASE}?semaine={weeks[0]}&tout=1").text  # select-all without JS
    row = checked[checked.index(f'id="export-sheet-{sheets[0].id}"') :]
    assert "checked" in row[: row.index("</tr>")]
    assert 'id="export-select-all"' in checked and 'id="export-actions"' in checked


def test_envoyer_confirms_with_the_plan_it_sends(client, world, rq):
    first = world.sheet(world.employees["1002"], hours=("8.00", "7.50"), km="12")
    frozen = world.sheet(world.employees["1003"], status=TimesheetStatus.FROZEN)
    data = {"sheet": [first.id, frozen.id]}
    step = client.post(f"{BASE}/envoyer", data=data, headers=HTMX)
    dialog = _text(step)
    assert step.headers["HX-Retarget"] == "#export-confirm"
    assert dialog.lstrip().startswith('<dialog id="export-confirm"')
    assert f"2 feuille(s), 4 ligne(s) et 23,50{NBSP}h" in dialog
    assert "Dont 1 ligne(s) de dépenses ou primes." in dialog
    assert (
        "la feuille validée deviendra « Gelée »" in dialog and "Les autres le sont déjà." in dialog
    )
    assert "la dégèle avec un motif" in dialog  # how a frozen sheet is corrected
    assert db.session.scalar(sa.select(sa.func.count(ExportBatch.id))) == 0  # nothing sent yet
    digest = re.search(r'name="confirmation" value="([0-9a-f]{64})"', dialog).group(1)

    forged = client.post(f"{BASE}/envoyer", data={**data, "confirmation": "0" * 64}, headers=HTMX)
    assert "ont changé depuis votre confirmation" in _text(forged)
    assert db.session.scalar(sa.select(sa.func.count(ExportBatch.id))) == 0

    db.session.get(HourLine, first.hour_lines[0].id).hours = 9  # changed after confirming
    db.session.commit()
    stale = client.post(f"{BASE}/envoyer", data={**data, "confirmation": digest}, headers=HTMX)
    again = _text(stale)
    assert "ont changé depuis votre confirmation" in again and f"24,50{NBSP}h" in again
    assert db.session.scalar(sa.select(sa.func.count(ExportBatch.id))) == 0

    digest = re.search(r'name="confirmation" value="([0-9a-f]{64})"', again).group(1)
    sent = client.post(f"{BASE}/envoyer", data={**data, "confirmation": digest}, headers=HTMX)
    assert 'id="export-progress"' in sent.text
    batch = db.session.scalar(sa.select(ExportBatch))
    assert (batch.sheet_count, batch.line_count, str(batch.hours_total)) == (2, 4, "24.50")
    work()


def test_without_javascript_the_confirmation_is_a_page(client, world):
    sheet = world.sheet(world.employees["1002"])
    page = client.post(f"{BASE}/envoyer", data={"sheet": [sheet.id]})
    assert page.status_code == 200 and "<html" in page.text
    assert re.search(r'<dialog id="export-confirm"[^>]* open>', page.text)
    assert f'action="{BASE}/envoyer"' in page.text and 'name="confirmation"' in page.text


def test_a_blocked_selection_gets_no_confirmation(client, world):
    sheet = world.sheet(world.employees["1002"])
    _unlink(world, SyncSection.TRADES)
    response = client.post(f"{BASE}/envoyer", data={"sheet": [sheet.id]}, headers=HTMX)
    assert response.headers["HX-Retarget"] == "#export-preview"
    assert "ne peuvent pas être envoyées" in toast(response)
    assert "export-confirm" not in response.text


def test_the_list_and_the_batch_page_do_not_query_per_row(client, world, rq, make_user):
    def queries(url: str) -> int:
        db.session.expire_all()
        with counted() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    first = world.sheet(world.employees["1002"], km="3")
    batch = send(world, first)
    few = (queries(BASE), queries(f"{BASE}/lots/{batch.id}"))
    sheets = [first]
    for n in range(6):
        person = make_user("employee", employee_number=str(1004 + n))  # Avantage's, active
        world.link(SyncSection.EMPLOYEES, person.id, str(1004 + n))
        sheets.append(world.sheet(person, hours=("8.00", "8.00"), km="5"))
    bigger = send(world, *sheets[1:])
    assert batch.status == bigger.status == BatchStatus.COMMITTED
    assert (queries(BASE), queries(f"{BASE}/lots/{bigger.id}")) == few
