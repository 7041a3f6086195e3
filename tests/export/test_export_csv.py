"""The CSV of the Aperçu and of a batch: what Excel in fr-CA (and en-CA) reads, who may
download it, and that it is written as it is read."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.extensions import db
from portal.models import ExportBatch, SyncSection
from portal.services import export_batch_view, spreadsheet
from tests.fixtures.export_world import MONDAY
from tests.fixtures.preflight import BASE, HTMX, send, send_anyway

BOM = "\ufeff".encode()


def _rows(response, delimiter: str) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8")), delimiter=delimiter))


def test_the_preview_csv_is_for_excel_in_french(client, world):
    employee = world.employees["1002"]
    sheet = world.sheet(employee, hours=("8.00", "7.50"), km="12", meal="1250.75")
    response = client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="apercu-paie.csv"'
    rows = _rows(response, ";")
    assert rows[0][:5] == ["Ligne", "Semaine du", "N° d'employé", "Employé", "Date"]
    assert rows[0][-4:] == ["Valeur", "Unité", "État", "Motif"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Ligne"] == "1" and first["Semaine du"] == "2026-11-23"
    assert first["N° d'employé"] == "1002" and first["Employé"] == employee.full_name
    assert first["Date"] == "2026-11-23" and first["Projet"] == "24-101"
    assert first["Nom du projet"] == "Résidence Tremblay — Lévis"
    assert first["Nom de l'activité"] == "Coffrage" and first["Nom du type"] == "Régulier"
    assert (first["Valeur"], first["Unité"], first["État"]) == ("8,00", "h", "À envoyer")
    values = {row[11]: (row[14], row[15]) for row in rows[1:]}
    assert values["KM"] == ("12,00", "km")
    assert values["REPAS"] == ("1250,75", "$")  # no thousands separator: Excel reads a number
    assert len(rows) == 5


def test_the_preview_csv_lists_what_blocks_and_reads_in_english(client, world):
    sheet = world.sheet(world.employees["1002"], hours=("8.00", "7.50"))
    db.session.execute(
        sa.delete(world_links()).where(world_links().c.entity == SyncSection.TRADES.value)
    )
    db.session.commit()
    client.post("/langue", data={"locale": "en_CA"})
    rows = _rows(client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]}), ",")
    assert rows[0][:4] == ["Line", "Week of", "Employee no.", "Employee"]
    blocked = [row for row in rows[1:] if row[16] == "Blocked"]
    assert len(blocked) == 2 and blocked[0][4] == "2026-11-23"
    assert "CHARP" in blocked[0][17]


def world_links():
    from portal.models import RecordLink

    return RecordLink.__table__


def test_the_batch_csv_has_every_line_and_avantage_s_verdict(client, world, rq, monkeypatch):
    good = world.sheet(world.employees["1002"], km="12")
    sent = send(world, good)
    rows = _rows(client.get(f"{BASE}/lots/{sent.id}/csv"), ";")
    assert [row[16] for row in rows[1:]] == ["Acceptée", "Acceptée"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]
    inactive = world.sheet(world.employees["1031"], week=MONDAY, hours=("8.00", "8.00"))
    refused = send_anyway(world, monkeypatch, inactive)
    response = client.get(f"{BASE}/lots/{refused.id}/csv")
    assert response.headers["Content-Disposition"].endswith(
        f'filename="lot-{refused.avantage_batch}.csv"'
    )
    rows = _rows(response, ";")
    assert {row[16] for row in rows[1:]} == {"Refusée"}
    assert rows[1][17].startswith("INACTIVE_EMPLOYEE : L'employé est inactif dans Avantage")


def test_a_name_excel_would_run_as_a_formula_stays_text(client, world, make_user):
    person = make_user("employee", employee_number="1004", first_name="=HYPERLINK(1)")
    world.link(SyncSection.EMPLOYEES, person.id, "1004")
    sheet = world.sheet(person)
    rows = _rows(client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]}), ";")
    assert rows[1][3].startswith("'=HYPERLINK(1)")


def test_the_batch_csv_streams_chunk_by_chunk(client, world, rq, monkeypatch):
    sheet = world.sheet(world.employees["1002"], hours=("8", "8", "8", "8", "8"))
    batch = send(world, sheet)
    monkeypatch.setattr(export_batch_view, "CHUNK", 2)
    monkeypatch.setattr(spreadsheet, "ROWS_PER_CHUNK", 2)
    reads: list[str] = []

    def seen(conn, cursor, statement, *args):
        if "FROM export_line" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = client.get(f"{BASE}/lots/{batch.id}/csv", buffered=False)
        assert response.is_streamed
        chunks = iter(response.response)
        first = next(chunks)
        assert first.startswith(BOM) and len(reads) == 1  # one chunk of lines read, not all
        rest = list(chunks)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        response.close()
    assert len(reads) == 3  # 2 + 2 + 1 lines, then nothing more after the last
    assert len(rest) >= 2
    body = (first + b"".join(rest))[len(BOM) :].decode()
    assert body.count("\r\n") == 6  # the header and five lines


@pytest.mark.parametrize("role", ["employee", "validator", "manager"])
def test_only_timesheet_admins_download(client, world, rq, make_user, auth, role):
    sheet = world.sheet(world.employees["1002"])
    batch = send(world, sheet)
    auth.login(make_user(role, employee_number="9200"))
    assert client.get(f"{BASE}/lots/{batch.id}/csv").status_code == 403
    assert client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]}).status_code == 403


def test_another_company_gets_nothing(client, world, rq, make_company, make_user, auth):
    sheet = world.sheet(world.employees["1002"])
    batch = send(world, sheet)
    auth.login(make_user("ts_admin", company=make_company("Autre inc."), employee_number="9300"))
    response = client.get(f"{BASE}/lots/{batch.id}/csv")
    assert response.status_code == 404 and world.employees["1002"].full_name not in response.text
    response = client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]})
    assert response.status_code == 404 and "text/csv" not in response.content_type
    response = client.post(f"{BASE}/apercu.csv", data={"sheet": [sheet.id]}, headers=HTMX)
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ExportBatch.id))) == 1
