"""The Synchroniser screens over HTTP: start, live progress, console, links, mapping grids."""

from __future__ import annotations

import html
import json

import pytest

from portal.extensions import db
from portal.models import (
    AuditEvent,
    ExpenseKind,
    ExpenseType,
    HourType,
    LinkMethod,
    RecordLink,
    RunStatus,
    SyncRun,
    SyncSection,
    Trade,
)
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true"}


def _base(integration) -> str:
    return f"/parametres/integrations/{integration.id}/synchro"


def test_click_shows_a_polling_progress_partial_then_the_summary(
    client, connect, rq, make_simulator
):
    integration = connect(make_simulator(employees=30))
    response = client.post(f"{_base(integration)}/employes", headers=HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 500ms"' in response.text
    assert 'role="progressbar"' not in response.text  # queued: no bar yet
    again = client.post(f"{_base(integration)}/employes", headers=HTMX)  # second tab
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 1
    assert again.text == response.text
    run = db.session.scalar(db.select(SyncRun))
    work()
    done = client.get(f"/synchro/executions/{run.id}?poll=1", headers=HTMX)
    assert done.status_code == 286  # htmx stops polling
    assert "every 500ms" not in done.text
    assert 'aria-valuenow="30"' in done.text
    toast = json.loads(done.headers["HX-Trigger"])["toast"]
    assert "Synchronisation Employés terminée" in toast["message"]
    page = client.get(f"/synchro/executions/{run.id}", headers=HTMX)
    assert page.status_code == 200 and "HX-Trigger" not in page.headers  # no second toast


def test_section_page_shows_history_console_and_filters(
    client, connect, sync_now, make_simulator, make_user
):
    make_user("employee", employee_number="1017", first_name="Josée", last_name="Fortin")
    make_user("employee", employee_number="5555", first_name="Nouvelle", last_name="Embauche")
    integration = connect(make_simulator(employees=20))
    sync_now(integration, SyncSection.EMPLOYEES)
    page = html.unescape(client.get(f"{_base(integration)}/employes").text)
    assert "Dernières synchronisations" in page and "Terminée" in page
    assert "Créé par la synchronisation" in page and "Portail seulement" in page
    linked = html.unescape(
        client.get(
            f"{_base(integration)}/employes?etat=linked",
            headers={**HTMX, "HX-Target": "sync-console"},
        ).text
    )
    assert "01017" in linked
    assert "par numéro d'employé (zéros en tête, majuscules et espaces en trop ignorés)" in linked
    assert "Embauche" not in linked
    assert linked.lstrip().startswith('<section id="sync-console"')
    searched = client.get(
        f"{_base(integration)}/employes?q=Embauche", headers={**HTMX, "HX-Target": "sync-console"}
    ).text
    assert "Embauche" in searched and "01017" not in searched


def test_manual_unlink_and_relink_survive_later_syncs(
    client, connect, sync_now, make_simulator, make_user, superadmin
):
    portal_person = make_user("employee", employee_number="1003")
    integration = connect(make_simulator(employees=10))
    sync_now(integration, SyncSection.EMPLOYEES)
    client.post(
        f"{_base(integration)}/employes/liens",
        data={"remote_key": "1003", "local_id": ""},
        headers=HTMX,
    )
    sync_now(integration, SyncSection.EMPLOYEES, full=True)
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "1003"))
    assert link.local_id is None and link.method == LinkMethod.MANUAL  # not relinked
    other = make_user("employee", employee_number="8888")
    response = client.post(
        f"{_base(integration)}/employes/liens",
        data={"remote_key": "1003", "local_id": str(other.id)},
        headers=HTMX,
    )
    assert "Lien enregistré" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    sync_now(integration, SyncSection.EMPLOYEES, full=True)
    db.session.expire_all()
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "1003"))
    assert (link.local_id, link.method) == (other.id, LinkMethod.MANUAL)
    assert portal_person.id != other.id
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("link.delete") == 1 and actions.count("link.create") == 1
    assert actions.count("sync.start") == 3


def test_linking_a_portal_record_already_linked_is_refused(
    client, connect, sync_now, make_simulator, make_user
):
    taken = make_user("employee", employee_number="1002")
    integration = connect(make_simulator(employees=10))
    sync_now(integration, SyncSection.EMPLOYEES)
    response = client.post(
        f"{_base(integration)}/employes/liens",
        data={"remote_key": "1004", "local_id": str(taken.id)},
        headers=HTMX,
    )
    message = json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    assert "déjà lié à 1002" in message
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "1004"))
    assert link.local_id != taken.id


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999", "", "²", "１２"])
def test_hostile_link_form_values_never_500(client, connect, sync_now, make_simulator, bad):
    integration = connect(make_simulator(employees=5))
    sync_now(integration, SyncSection.EMPLOYEES)
    response = client.post(
        f"{_base(integration)}/employes/liens",
        data={"remote_key": bad or "inconnu", "local_id": bad},
        headers=HTMX,
    )
    assert response.status_code in (200, 404)


def test_a_local_id_in_other_digits_is_no_id(client, connect, sync_now, make_simulator, make_user):
    person = make_user("employee", employee_number="1002")
    integration = connect(make_simulator(employees=5))
    sync_now(integration, SyncSection.EMPLOYEES)
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in str(person.id))
    response = client.post(
        f"{_base(integration)}/employes/liens",
        data={"remote_key": "1004", "local_id": full_width},
        headers=HTMX,
    )
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast == {"level": "error", "message": "Choisissez un élément du portail dans la liste."}
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "1004"))
    assert link is None or link.local_id != person.id


def test_trades_are_created_and_rates_shown(client, connect, sync_now, make_simulator, superadmin):
    db.session.add(Trade(company_id=superadmin.company_id, code="charp ", name="Charpentier"))
    db.session.commit()
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.TRADES)
    assert run.status == RunStatus.SUCCEEDED and run.linked == 1 and run.created == 7
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "CHARP"))
    assert link.method == LinkMethod.NORMALISED
    assert db.session.get(Trade, link.local_id).name == "Charpentier-menuisier"  # Avantage's
    page = client.get(f"{_base(integration)}/metiers").text
    assert "compagnon 45,10\u00a0$/h" in page


def test_hour_type_grid_automaps_saves_and_states_the_regular_rule(
    client, connect, sync_now, make_simulator, superadmin
):
    regular = HourType(
        company_id=superadmin.company_id, code="REG", name="Régulier", is_regular=True
    )
    overtime = HourType(company_id=superadmin.company_id, code="TD", name="Temps double")
    db.session.add_all([regular, overtime])
    db.session.commit()
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.HOUR_TYPES)
    assert run.linked == 1  # REG ↔ REG; the others wait for the grid
    page = html.unescape(client.get(f"{_base(integration)}/types-heures").text)
    assert "sans type d'heures sont envoyées comme le type régulier" in page
    assert "dans Avantage : REG" in page
    assert page.count('class="highlight"') == 3  # T1.5, T2, FERIE unmapped
    row = client.post(
        f"{_base(integration)}/types-heures/liens",
        data={"remote_key": "T2", "local_id": str(overtime.id)},
        headers=HTMX,
    )
    assert row.text.lstrip().startswith('<tr id="mapping-T2"') and "✓" in row.text
    assert (
        db.session.scalar(db.select(RecordLink.local_id).where(RecordLink.remote_key == "T2"))
        == overtime.id
    )


def test_earning_of_another_kind_is_refused_with_the_reason(
    client, connect, sync_now, make_simulator, superadmin
):
    meal = ExpenseType(
        company_id=superadmin.company_id, code="REPAS", name="Repas", kind=ExpenseKind.AMOUNT
    )
    km = ExpenseType(
        company_id=superadmin.company_id,
        code="KMS",
        name="Kilomètres",
        kind=ExpenseKind.QUANTITY,
        unit="km",
    )
    db.session.add_all([meal, km])
    db.session.commit()
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.EARNINGS)
    assert run.linked == 1  # REPAS (amount) ↔ REPAS (amount)
    row = html.unescape(
        client.post(
            f"{_base(integration)}/depenses-primes/liens",
            data={"remote_key": "KM", "local_id": str(meal.id)},
            headers=HTMX,
        ).text
    )
    assert 'role="alert"' in row and "de nature « Montant »" in row
    assert "de nature « Quantité »" in row
    link = db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == "KM"))
    assert link is None or link.local_id is None
    ok = client.post(
        f"{_base(integration)}/depenses-primes/liens",
        data={"remote_key": "KM", "local_id": str(km.id)},
        headers=HTMX,
    )
    assert "✓" in ok.text


def test_projects_console_suggests_the_portal_project_with_the_same_number(
    client, connect, sync_now, make_simulator, make_work_data, company
):
    make_work_data(company)  # portal project 24-101
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.PROJECTS)
    assert run.status == RunStatus.SUCCEEDED and run.done == 12
    page = html.unescape(client.get(f"{_base(integration)}/projets").text)
    assert '<span class="muted">Suggestion :</span> 24-101 — Résidence Tremblay — Lévis' in page


@pytest.mark.parametrize("role", ["employee", "validator", "ts_admin", "manager"])
def test_everyone_but_a_superadmin_is_refused(
    client, connect, sync_now, make_simulator, make_user, auth, role
):
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.EMPLOYEES)
    auth.login(make_user(role, employee_number="9100"))
    for method, url in [
        ("get", f"{_base(integration)}/employes"),
        ("post", f"{_base(integration)}/employes"),
        ("post", f"{_base(integration)}/employes/liens"),
        ("get", f"{_base(integration)}/employes/historique"),
        ("get", f"/synchro/executions/{run.id}"),
        ("post", f"/synchro/executions/{run.id}/annuler"),
    ]:
        response = getattr(client, method)(url, headers=HTMX)
        assert response.status_code == 403, (role, url)


def test_another_company_cannot_see_a_run(
    client, connect, sync_now, make_simulator, make_company, make_user, auth
):
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, SyncSection.EMPLOYEES)
    auth.login(make_user("superadmin", company=make_company("Autre inc.")))
    assert client.get(f"/synchro/executions/{run.id}", headers=HTMX).status_code == 404
    assert client.post(f"/synchro/executions/{run.id}/annuler").status_code == 404
    assert client.get(f"{_base(integration)}/employes").status_code == 404
