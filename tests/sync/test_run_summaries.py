"""Sync summaries that do not mislead: a preview says « seraient créés », a cut list says so
and downloads whole as CSV, an up-to-date run says nothing changed, every history row opens
its run, and the live region is one stable element that gets the short text."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import RunStatus, SyncRun, SyncRunNote, SyncSection
from portal.models.base import utcnow
from portal.services import run_notes, run_summary, runs, spreadsheet
from tests.fixtures.queue import work

EMPLOYEES = SyncSection.EMPLOYEES
HTMX = {"HX-Request": "true"}
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _queue(rq):
    """Every test here lets a real worker run what it queues."""
    return rq


@pytest.fixture
def employee_1001(superadmin, make_user):
    """One portal employee Avantage also has: a sync links it."""
    return make_user("employee", employee_number="1001")


def _base(integration) -> str:
    return f"/parametres/integrations/{integration.id}/synchro"


def _start(client, integration, **form) -> SyncRun:
    """Click Synchroniser (with ``form``'s options), let a real worker run it, and read the run
    back in a new transaction (the worker wrote it in another one)."""
    client.post(f"{_base(integration)}/employes", data=form, headers=HTMX)
    run_id = db.session.scalar(db.select(SyncRun.id).order_by(SyncRun.id.desc()))
    work()
    db.session.commit()
    return db.session.get(SyncRun, run_id)


def _poll(client, run, **args):
    query = "&".join(f"{name}={value}" for name, value in {"poll": 1, **args}.items())
    return client.get(f"/synchro/executions/{run.id}?{query}", headers=HTMX)


def _text(page: str) -> str:
    """The page's text without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _csv(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.parametrize(
    ("preview", "counts", "expected"),
    [
        (True, {"created": 3, "linked": 1}, "3 seraient créés, 1 serait lié."),
        (True, {"updated": 2, "unchanged": 5}, "2 seraient mis à jour, 5 resteraient inchangés."),
        (False, {"created": 3, "linked": 1}, "3 créés, 1 lié."),
        (False, {"created": 1, "warnings": 2}, "1 créé, 2 avertissements."),
        (True, {"unchanged": 4}, "Rien ne changerait : tout est déjà à jour."),
        (
            False,
            {"unchanged": 4, "warnings": 1},
            "Rien n'a changé depuis la dernière synchronisation. 1 avertissement.",
        ),
    ],
)
def test_the_outcome_says_would_for_a_preview_and_did_for_a_run(app, preview, counts, expected):
    run = SyncRun(section=EMPLOYEES, status=RunStatus.SUCCEEDED, preview=preview, since="x", done=4)
    for name in ("created", "linked", "updated", "unchanged", "removed", "warnings"):
        setattr(run, name, counts.get(name, 0))
    with app.test_request_context():
        assert run_summary.outcome(run) == expected


def test_a_preview_never_says_created_for_what_it_did_not_write(
    client, connect, make_simulator, employee_1001
):
    integration = connect(make_simulator(employees=40))
    run = _start(client, integration, preview="y")
    done = _poll(client, run)
    text = _text(done.text)
    assert "38 seraient créés" in text and "1 serait lié" in text
    assert not re.search(
        r"\bcréés?\b", text.replace("seraient créés", "").replace("serait créé", "")
    )
    assert "serait créé" in text and "serait lié" in text  # the details' badges
    toast = json.loads(done.headers["HX-Trigger"])["toast"]["message"]
    assert toast == (
        "Aperçu Employés terminé. 38 seraient créés, 1 serait lié, 1 resterait inchangé. "
        "Rien n'a été écrit."
    )
    history = _text(client.get(f"{_base(integration)}/employes/historique", headers=HTMX).text)
    assert (
        "38 seraient créés, 1 serait lié, 1 resterait inchangé." in history
        and " 38 créés" not in history
    )


def test_a_cut_list_says_so_in_the_locale_and_the_csv_has_every_stored_line(
    client, connect, make_simulator, employee_1001, monkeypatch
):
    monkeypatch.setattr(run_notes, "SHOWN_NOTES", 10)
    integration = connect(make_simulator(employees=40))
    run = _start(client, integration, preview="y")
    assert run.notes_total == 39, (run.status, run.error, run.done)
    page = _text(_poll(client, run).text)
    assert "Détails : les 10 premiers sur 39" in page
    assert "Télécharger la liste complète (39 lignes, CSV)" in page
    response = client.get(f"/synchro/executions/{run.id}/details.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["Résultat", "Clé dans Avantage", "Détail"]
    assert len(rows) == 40 and {row[0] for row in rows[1:]} == {"serait créé", "serait lié"}
    # A count past what the page shows reads as the locale writes it.
    run.notes_total = 19_237
    db.session.commit()
    assert f"les 10 premiers sur 19{NBSP}237" in _poll(client, run).text


def test_past_the_stored_bound_the_csv_says_where_it_stops(
    client, connect, make_simulator, monkeypatch
):
    monkeypatch.setattr(run_notes, "MAX_STORED_NOTES", 25)
    integration = connect(make_simulator(employees=40))
    run = _start(client, integration, preview="y")
    assert run.notes_total == 39, (run.status, run.error, run.done)
    assert db.session.scalar(db.select(db.func.count(SyncRunNote.id))) == 25
    rows = _csv(client.get(f"/synchro/executions/{run.id}/details.csv"))
    assert len(rows) == 1 + 25 + 1
    assert rows[-1][0].startswith("Liste arrêtée aux 25 premiers sur 39")
    page = _text(client.get(f"/synchro/executions/{run.id}/details").text)
    assert "Télécharger les 25 premiers (CSV)" in page


def test_the_csv_streams_chunks_read_from_the_database(
    client, connect, make_simulator, monkeypatch
):
    monkeypatch.setattr(run_notes, "NOTES_CHUNK", 7)
    monkeypatch.setattr(spreadsheet, "ROWS_PER_CHUNK", 7)
    integration = connect(make_simulator(employees=40))
    run = _start(client, integration, preview="y")
    response = client.get(f"/synchro/executions/{run.id}/details.csv", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 39 // 7 + 1  # the header, then one chunk per 7 rows read
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 40


def test_english_csv_uses_commas(client, connect, make_simulator, employee_1001):
    integration = connect(make_simulator(employees=10))
    run = _start(client, integration, preview="y")
    client.post("/langue", data={"locale": "en_CA", "next": "/"})
    body = client.get(f"/synchro/executions/{run.id}/details.csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(header) == 3


def test_notes_are_numbered_after_the_runs_and_counted_past_the_bound(
    connect, make_simulator, monkeypatch
):
    """Each page's notes follow the run's earlier ones; past the bound they are only counted."""
    monkeypatch.setattr(run_notes, "MAX_STORED_NOTES", 3)
    integration = connect(make_simulator(employees=5))
    run = SyncRun(
        company_id=integration.company_id,
        integration_id=integration.id,
        section=EMPLOYEES,
        lock_key="x",
        status=RunStatus.SUCCEEDED,
        active=False,
    )
    db.session.add(run)
    db.session.flush()
    for page in (["1001", "1002"], ["1003", "1004"]):
        pending: list[dict] = []
        for key in page:
            run_notes.add_note(pending, "created", key, f"{key} — créé")
        run_notes.write_notes(run, pending)
        assert pending == []
    stored = db.session.execute(
        db.select(SyncRunNote.position, SyncRunNote.key).where(SyncRunNote.run_id == run.id)
    ).all()
    assert sorted(stored) == [(0, "1001"), (1, "1002"), (2, "1003")]
    assert run.notes_total == 4


def test_a_formula_in_avantage_data_is_not_run_by_the_spreadsheet():
    assert spreadsheet.safe_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert spreadsheet.safe_text("Josée Tremblay") == "Josée Tremblay"


@pytest.mark.parametrize("full", [False, True])
def test_an_up_to_date_sync_says_nothing_changed(client, connect, sync_now, make_simulator, full):
    integration = connect(make_simulator(employees=30))
    sync_now(integration, EMPLOYEES)
    run = _start(client, integration, **({"full": "y"} if full else {}))
    done = _poll(client, run)
    text = _text(done.text)
    assert "Rien n'a changé depuis la dernière synchronisation." in text
    assert "<progress" not in done.text, done.text
    assert not re.search(r"\b0 enregistrement", text)
    assert ("30 enregistrements vérifiés, à jour." in text) is full
    toast = json.loads(done.headers["HX-Trigger"])["toast"]["message"]
    assert toast == (
        "Synchronisation Employés terminée. Rien n'a changé depuis la dernière synchronisation."
    )
    history = _text(client.get(f"{_base(integration)}/employes/historique", headers=HTMX).text)
    assert "Rien n'a changé depuis la dernière synchronisation." in history


def test_each_history_row_opens_its_run(client, connect, sync_now, make_simulator, employee_1001):
    integration = connect(make_simulator(employees=40))
    run = sync_now(integration, EMPLOYEES)
    history = client.get(f"{_base(integration)}/employes/historique", headers=HTMX).text
    assert f'href="/synchro/executions/{run.id}/details"' in history
    page = client.get(f"/synchro/executions/{run.id}/details")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Synchronisation Employés" in text and "38 créés, 1 lié, 1 inchangé" in text
    assert "Durée" in text and re.search(r"\d,\d\s?s", text.replace(NBSP, " "))
    assert f'href="/parametres/integrations/{integration.id}/synchro/employes"' in page.text
    assert "every 500ms" not in page.text


def test_a_failed_run_page_shows_its_error_and_its_warnings(client, connect, make_simulator):
    integration = connect(make_simulator(employees=5))
    run = SyncRun(
        company_id=integration.company_id,
        integration_id=integration.id,
        section=EMPLOYEES,
        lock_key="failed",
        active=False,
        status=RunStatus.FAILED,
        started_at=utcnow() - timedelta(seconds=75),
        finished_at=utcnow(),
        warnings=1,
        error={
            "type": "x",
            "message_fr": "Avantage a refusé.",
            "message_en": "Refused.",
            "fix_fr": "Vérifiez le mot de passe.",
            "fix_en": "Check the password.",
        },
    )
    db.session.add(run)
    db.session.flush()
    pending: list[dict] = []
    run_notes.add_note(pending, "warning", "1017", "1017 — métier inconnu")
    run_notes.write_notes(run, pending)
    assert (run.notes_total, pending) == (1, [])
    db.session.commit()
    text = _text(client.get(f"/synchro/executions/{run.id}/details").text)
    assert "Avantage a refusé." in text and "Vérifiez le mot de passe." in text
    assert "1 min 15 s" in text.replace(NBSP, " ")
    assert "avertissement 1017 — métier inconnu" in text
    rows = _csv(client.get(f"/synchro/executions/{run.id}/details.csv"))
    assert rows[1] == ["avertissement", "1017", "1017 — métier inconnu"]


@pytest.mark.parametrize("path", ["details", "details.csv"])
def test_another_companys_run_is_not_found_and_others_are_refused(
    client, auth, connect, sync_now, make_simulator, make_company, make_user, path
):
    integration = connect(make_simulator(employees=5))
    run = sync_now(integration, EMPLOYEES, preview=True)
    url = f"/synchro/executions/{run.id}/{path}"
    assert client.get(url).status_code == 200
    auth.login(make_user("manager"))
    assert client.get(url).status_code == 403
    other = make_company("Autre inc.")
    auth.login(make_user("superadmin", company=other))
    assert client.get(url).status_code == 404


def test_the_live_region_stays_and_gets_the_short_text(
    client, connect, make_simulator, employee_1001
):
    integration = connect(make_simulator(employees=30))
    page = client.get(f"{_base(integration)}/employes").text
    region = re.search(r'<p id="sync-status"[^>]*>', page).group(0)
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert "aria-live" not in re.search(r'<section id="sync-progress"[^>]*>', page).group(0)
    started = client.post(f"{_base(integration)}/employes", headers=HTMX).text
    # The swapped part replaces #sync-progress; the live region is written out of band.
    assert started.lstrip().split(">")[0].startswith('<section id="sync-progress"')
    assert (
        '<p id="sync-status" hx-swap-oob="innerHTML">Employés : en attente… le traitement va '
        "commencer.</p>"
    ) in started
    assert "said=queued" in started
    run = db.session.scalar(db.select(SyncRun))
    assert "sync-status" not in _poll(client, run, said="queued").text  # nothing new to say
    work()
    done = _poll(client, run, said="queued").text
    assert re.search(
        r'<p id="sync-status" hx-swap-oob="innerHTML">Synchronisation Employés '
        r"terminée\. 29 créés, 1 lié\.</p>",
        done,
    )
    assert run_summary.status_key(db.session.get(SyncRun, run.id)) == "succeeded"


def test_the_chain_has_its_own_live_region(client, connect, make_simulator):
    integration = connect(make_simulator(employees=5))
    page = client.get(f"{_base(integration)}/tout").text
    assert re.search(
        r'<p id="chain-status" class="sr-only" role="status" aria-live="polite">', page
    )
    started = client.post(f"{_base(integration)}/tout", headers=HTMX).text
    assert '<p id="chain-status" hx-swap-oob="innerHTML">Métiers : en attente' in started
    work()
    done = client.get(
        f"{_base(integration)}/tout?poll=1&said=x", headers={**HTMX, "HX-Target": "sync-chain"}
    )
    assert done.status_code == 286
    assert "Tout synchroniser est terminé : les 7 sections sont à jour." in done.text
    assert runs.history(integration, SyncSection.TRADES)[0].status == RunStatus.SUCCEEDED
