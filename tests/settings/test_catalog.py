"""Métiers, types d'heures, dépenses et primes: HTTP and service behaviour."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import ExpenseKind, ExpenseType, HourType, Trade
from portal.services import catalog


@pytest.fixture
def manager(make_user, auth):
    return auth.login(make_user("manager"))


def test_create_trade_through_htmx(client, manager):
    response = client.post(
        "/parametres/metiers",
        data={"code": " ELEC ", "name": "Électricien", "active": "y"},
        headers={"HX-Request": "true", "HX-Target": "catalog-list"},
    )
    assert response.status_code == 200
    assert "toast" in response.headers["HX-Trigger"]
    trade = db.session.scalar(db.select(Trade))
    assert (trade.code, trade.name, trade.company_id) == ("ELEC", "Électricien", manager.company_id)
    assert "Électricien" in response.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "", "name": "X"}, "code", "Entrez un code."),
        ({"code": "A" * 21, "name": "X"}, "code", "Maximum 20 caractères."),
        ({"code": "B", "name": ""}, "name", "Entrez un nom."),
        ({"code": "B", "name": "N" * 121}, "name", "Maximum 120 caractères."),
    ],
)
def test_bad_input_is_reported_inline_and_nothing_is_saved(client, manager, data, field, message):
    response = client.post("/parametres/metiers", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(db.select(db.func.count(Trade.id))) == 0


def test_duplicate_code_after_normalisation_is_refused(client, manager):
    db.session.add(Trade(company_id=manager.company_id, code="CHARP", name="Charpentier"))
    db.session.commit()
    response = client.post("/parametres/metiers", data={"code": " charp", "name": "Autre"})
    assert "déjà utilisé" in response.text
    assert db.session.scalar(db.select(db.func.count(Trade.id))) == 1


def test_expense_type_needs_a_kind(client, manager):
    response = client.post("/parametres/depenses-primes", data={"code": "KM", "name": "Km"})
    assert "montant, quantité ou heures" in response.text
    client.post(
        "/parametres/depenses-primes",
        data={"code": "KM", "name": "Kilométrage", "kind": "quantity", "unit": "km"},
    )
    entry = db.session.scalar(db.select(ExpenseType))
    assert (entry.kind, entry.unit) == (ExpenseKind.QUANTITY, "km")


def test_one_regular_hour_type_at_a_time(client, manager):
    for code in ("REG", "T1.5"):
        client.post("/parametres/types-heures", data={"code": code, "name": code, "active": "y"})
    first, second = db.session.scalars(db.select(HourType).order_by(HourType.id)).all()
    assert first.is_regular and not second.is_regular  # the first one becomes regular
    response = client.post(
        f"/parametres/types-heures/{second.id}",
        data={"code": "T1.5", "name": "Temps et demi", "is_regular": "y", "active": "y"},
        headers={"HX-Request": "true"},
    )
    assert response.headers["HX-Retarget"] == "#catalog-list"
    db.session.expire_all()
    assert catalog.regular_hour_type(manager.company_id).id == second.id
    assert not db.session.get(HourType, first.id).is_regular


def test_other_company_entries_are_not_found(client, manager, make_company):
    other = make_company("Autre compagnie")
    trade = Trade(company=other, code="X", name="Étranger")
    db.session.add(trade)
    db.session.commit()
    assert client.get(f"/parametres/metiers/{trade.id}/modifier").status_code == 404
    response = client.post(f"/parametres/metiers/{trade.id}", data={"code": "Y", "name": "Pris"})
    assert response.status_code == 404
    assert db.session.get(Trade, trade.id).name == "Étranger"


def test_unknown_section_is_404(client, manager):
    assert client.get("/parametres/inexistant").status_code == 404


HTMX = {"HX-Request": "true"}
KM = {"code": "KM", "name": "Kilométrage", "kind": "quantity", "unit": "km", "active": "y"}
KIND_MESSAGE = "Choisissez ce que la ligne contient : montant, quantité ou heures."


@pytest.mark.parametrize("kind", ["bogus", "Amount", "amount ", "", ["bogus", "amount"]])
def test_a_kind_not_in_the_list_is_refused_with_a_message(client, manager, kind):
    response = client.post("/parametres/depenses-primes", data={**KM, "kind": kind}, headers=HTMX)
    assert response.status_code == 200
    assert KIND_MESSAGE in response.text
    assert db.session.scalar(db.select(db.func.count(ExpenseType.id))) == 0


def test_changing_to_a_kind_not_in_the_list_keeps_the_kind(client, manager):
    entry = ExpenseType(
        company_id=manager.company_id, code="KM", name="Km", kind=ExpenseKind.QUANTITY
    )
    db.session.add(entry)
    db.session.commit()
    response = client.post(
        f"/parametres/depenses-primes/{entry.id}", data={**KM, "kind": "bogus"}, headers=HTMX
    )
    assert response.status_code == 200
    assert KIND_MESSAGE in response.text
    db.session.expire_all()
    assert db.session.get(ExpenseType, entry.id).kind == ExpenseKind.QUANTITY


def test_the_edit_form_shows_the_current_kind(client, manager):
    entry = ExpenseType(
        company_id=manager.company_id, code="H", name="Prime", kind=ExpenseKind.HOURS
    )
    db.session.add(entry)
    db.session.commit()
    page = client.get(f"/parametres/depenses-primes/{entry.id}/modifier").text
    assert re.findall(r'<option selected value="(\w*)">', page) == ["hours"]


def test_a_row_saved_without_htmx_returns_to_the_list_with_the_outcome(client, manager):
    client.post("/parametres/metiers", data={"code": "CHARP", "name": "Charpentier"})
    trade = db.session.scalar(db.select(Trade))
    refused = client.post(f"/parametres/metiers/{trade.id}", data={"code": "CHARP", "name": ""})
    assert refused.status_code == 303 and refused.headers["Location"] == "/parametres/metiers"
    assert "Entrez un nom." in client.get("/parametres/metiers").text
    response = client.post(
        f"/parametres/metiers/{trade.id}", data={"code": "CHARP", "name": "Menuisier"}
    )
    assert response.status_code == 303
    assert "Enregistré." in client.get("/parametres/metiers").text
    db.session.expire_all()
    assert db.session.get(Trade, trade.id).name == "Menuisier"
