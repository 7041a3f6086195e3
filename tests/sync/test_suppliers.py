"""Fournisseurs against the simulator (real TCP, a real RQ worker): linked on the code after
normalisation, created when missing, kept up to date, marked when removed; the list in
Paramètres, searched and paginated, of the company's own suppliers only."""

from __future__ import annotations

import html

import pytest

from portal.extensions import db
from portal.models import (
    Company,
    LinkMethod,
    RecordLink,
    RemoteRecord,
    RunStatus,
    Supplier,
    SyncRunNote,
)
from portal.models import SyncSection as Section
from portal.services import suppliers

SUPPLIERS = Section.SUPPLIERS


def _suppliers(company_id: int) -> dict[str, Supplier]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Supplier).where(Supplier.company_id == company_id))
    return {supplier.code: supplier for supplier in rows}


def _method(code: str) -> LinkMethod:
    return db.session.scalar(
        db.select(RecordLink.method).where(
            RecordLink.entity == SUPPLIERS, RecordLink.remote_key == code
        )
    )


@pytest.fixture
def avantage(connect, make_simulator):
    simulator = make_simulator(employees=3, suppliers=12)
    return simulator, connect(simulator)


def test_suppliers_are_linked_on_the_code_and_the_missing_ones_created(
    avantage, superadmin, sync_now
):
    simulator, integration = avantage
    db.session.add(
        Supplier(company_id=superadmin.company_id, code=" f1003 ", name="Ancien nom", active=False)
    )
    db.session.commit()

    run = sync_now(integration, SUPPLIERS)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.done, run.created, run.linked) == (12, 11, 1)
    found = _suppliers(superadmin.company_id)
    assert len(found) == 12
    avantage_f1003 = simulator.server.dataset.get("suppliers", "F1003")
    kept = found[" f1003 "]
    assert (kept.name, kept.phone, kept.email, kept.active) == (
        avantage_f1003["name"],
        avantage_f1003["phone"],
        avantage_f1003["email"],
        avantage_f1003["active"],
    )
    assert _method("F1003") == LinkMethod.NORMALISED
    assert _method("F1001") == LinkMethod.CREATED
    assert found["F1011"].active is False  # the simulator's eleventh supplier is inactive


def test_changes_are_kept_and_a_removed_supplier_is_marked_not_deleted(
    avantage, superadmin, sync_now
):
    simulator, integration = avantage
    sync_now(integration, SUPPLIERS)
    dataset = simulator.server.dataset
    dataset.touch("suppliers", "F1002", name="Béton Gagnon ltée", phone=None, active=False)
    dataset.remove("suppliers", "F1005")

    incremental = sync_now(integration, SUPPLIERS)
    assert (incremental.done, incremental.updated, incremental.removed) == (1, 1, 0)
    changed = _suppliers(superadmin.company_id)["F1002"]
    assert (changed.name, changed.phone, changed.active) == ("Béton Gagnon ltée", None, False)

    full = sync_now(integration, SUPPLIERS, full=True)
    assert full.status == RunStatus.SUCCEEDED, full.error
    assert full.removed == 1
    removed = db.session.scalar(
        db.select(RemoteRecord).where(RemoteRecord.entity == SUPPLIERS, RemoteRecord.key == "F1005")
    )
    assert removed.removed_at is not None
    assert "F1005" in _suppliers(superadmin.company_id)  # never deleted


def test_hostile_values_are_bounded(avantage, superadmin, sync_now):
    simulator, integration = avantage
    dataset = simulator.server.dataset
    dataset.touch("suppliers", "F1004", name="N" * 5_000, phone=["418"], email=7, active="non")

    run = sync_now(integration, SUPPLIERS)

    assert run.status == RunStatus.SUCCEEDED, run.error
    odd = _suppliers(superadmin.company_id)["F1004"]
    assert odd.name == "N" * 160
    assert (odd.phone, odd.email, odd.active) == (None, None, True)


def test_the_console_shows_suppliers_with_their_states(avantage, client, superadmin, sync_now):
    simulator, integration = avantage
    sync_now(integration, SUPPLIERS)
    url = f"/parametres/integrations/{integration.id}/synchro/fournisseurs"

    page = html.unescape(client.get(url).text)
    assert "Créé par la synchronisation (12)" in page
    assert simulator.server.dataset.get("suppliers", "F1001")["name"] in page


def test_the_list_is_searched_paginated_and_of_the_company_only(
    avantage, client, superadmin, sync_now
):
    _simulator, integration = avantage
    sync_now(integration, SUPPLIERS)
    other = Company(name="Autre compagnie")
    db.session.add(other)
    db.session.flush()
    db.session.add(Supplier(company_id=other.id, code="F1001", name="Fournisseur d'ailleurs"))
    for number in range(60):
        db.session.add(
            Supplier(company_id=superadmin.company_id, code=f"Z{number:03}", name=f"Zinc {number}")
        )
    db.session.commit()

    first = html.unescape(client.get("/parametres/fournisseurs").text)
    assert "Page 1 sur 2" in first and "72 résultats" in first
    assert "Fournisseur d'ailleurs" not in first

    found = client.get("/parametres/fournisseurs?q=ZINC+42", headers={"HX-Request": "true"})
    assert found.text.count("data-supplier=") == 1 and 'data-supplier="Z042"' in found.text
    shown = suppliers.supplier_page(superadmin.company_id, search="F1001")
    assert [supplier.code for supplier in shown.items] == ["F1001"]
    assert shown.links[shown.items[0].id][0].remote_key == "F1001"


def test_a_record_without_a_usable_code_is_left_out_with_a_warning(avantage, superadmin, sync_now):
    simulator, integration = avantage
    simulator.server.dataset.add("suppliers", {"code": "F" * 121, "name": "Trop long"})

    run = sync_now(integration, SUPPLIERS)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.created, run.warnings) == (12, 1)
    assert "F" * 121 not in _suppliers(superadmin.company_id)
    note = db.session.scalar(
        db.select(SyncRunNote).where(SyncRunNote.run_id == run.id, SyncRunNote.action == "warning")
    )
    assert "dépasse 120 caractères" in note.label


def test_a_run_s_details_list_each_record_it_created_or_linked(
    avantage, client, superadmin, sync_now
):
    _simulator, integration = avantage
    db.session.add(Supplier(company_id=superadmin.company_id, code="F1002", name="Déjà là"))
    db.session.commit()

    run = sync_now(integration, SUPPLIERS)

    actions = dict(
        db.session.execute(
            db.select(SyncRunNote.key, SyncRunNote.action).where(SyncRunNote.run_id == run.id)
        ).all()
    )
    assert actions["F1002"] == "linked" and actions["F1001"] == "created"
    assert list(actions.values()).count("created") == 11
    details = html.unescape(client.get(f"/synchro/executions/{run.id}/details").text)
    assert "créé" in details and "lié" in details and "F1001" in details
