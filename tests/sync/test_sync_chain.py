"""Tout synchroniser: every company section in turn, one SyncRun and one RQ job each (each job
depending on the previous one's), one progress view, and a chain that stops at a failure."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from itertools import pairwise

import pytest
from rq.job import JobStatus

from portal import jobs
from portal.avantage import ServerError
from portal.extensions import db, queue
from portal.jobs.queueing import job_lost
from portal.models import RunStatus, SyncRun, SyncSection, User
from portal.models.base import utcnow
from portal.services import sync_chain
from portal.services.sync.projects import ProjectListSync
from portal.services.sync.trades import TradeSync
from tests.fixtures.queue import work

HTMX = {"HX-Request": "true"}
POLL = {**HTMX, "HX-Target": "sync-chain"}
ORDER = [
    SyncSection.TRADES,
    SyncSection.HOUR_TYPES,
    SyncSection.EARNINGS,
    SyncSection.PROJECTS,
    SyncSection.SUPPLIERS,
    SyncSection.PURCHASE_ORDERS,
    SyncSection.EMPLOYEES,
]


def _url(integration) -> str:
    return f"/parametres/integrations/{integration.id}/synchro/tout"


def _chain() -> list[SyncRun]:
    db.session.expire_all()
    found = db.session.scalars(db.select(SyncRun).where(SyncRun.chain_id.is_not(None))).all()
    return sorted(found, key=lambda run: ORDER.index(run.section))


def _job_status(run: SyncRun) -> JobStatus:
    return queue.queue.fetch_job(jobs.sync_job_id(run)).get_status()


def _states(text: str) -> list[str]:
    return [part.split('"', 1)[0] for part in text.split('data-state="')[1:]]


def test_the_chain_runs_every_section_in_order_as_dependent_jobs(
    client, connect, rq, make_simulator
):
    integration = connect(make_simulator(employees=10))
    response = client.post(_url(integration), headers=HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 500ms"' in response.text
    assert _states(response.text) == ["queued"] * len(ORDER)
    chain = _chain()
    assert [run.section for run in chain] == ORDER
    assert len({run.chain_id for run in chain}) == 1
    # One job per run; RQ holds each one until the previous one's job has ended.
    assert queue.queue.job_ids == [jobs.sync_job_id(chain[0])]
    assert [_job_status(run) for run in chain[1:]] == [JobStatus.DEFERRED] * (len(ORDER) - 1)
    for before, after in pairwise(chain):
        job = queue.queue.fetch_job(jobs.sync_job_id(after))
        assert job.dependency_ids == [jobs.sync_job_id(before)]
    again = client.post(_url(integration), headers=HTMX)  # a second click joins the chain
    assert _states(again.text) == ["queued"] * len(ORDER)
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == len(ORDER)

    work()  # the burst worker runs each deferred job once RQ enqueues it

    chain = _chain()
    assert [run.status for run in chain] == [RunStatus.SUCCEEDED] * len(ORDER), [
        r.error for r in chain
    ]
    for before, after in pairwise(chain):
        assert before.finished_at <= after.started_at
    # Employés ran after Métiers: the new employees have their Avantage trade as default.
    employees = db.session.scalars(db.select(User).where(User.employee_number != "9001")).all()
    assert employees and all(user.default_trade_id is not None for user in employees)
    done = client.get(f"{_url(integration)}?poll=1", headers=POLL)
    assert done.status_code == 286  # htmx stops polling
    assert "every 500ms" not in done.text
    assert _states(done.text) == ["succeeded"] * len(ORDER)
    toast = json.loads(done.headers["HX-Trigger"])["toast"]
    assert toast == {
        "level": "success",
        "message": "Tout synchroniser est terminé : les 7 sections sont à jour.",
    }
    shown = client.get(_url(integration), headers=POLL)
    assert shown.status_code == 200 and "HX-Trigger" not in shown.headers  # no second toast


@pytest.mark.parametrize(
    ("sync_class", "failing"),
    [(ProjectListSync, SyncSection.PROJECTS), (TradeSync, SyncSection.TRADES)],
)
def test_a_failing_section_stops_the_chain_and_the_later_ones_say_why(
    client, connect, rq, make_simulator, monkeypatch, sync_class, failing
):
    def refused(self, item):
        raise ServerError("REFUSED", "liste indisponible")

    monkeypatch.setattr(sync_class, "key", refused)
    integration = connect(make_simulator(employees=10))
    client.post(_url(integration), headers=HTMX)
    work()
    chain = _chain()
    position = ORDER.index(failing)
    assert [run.status for run in chain[:position]] == [RunStatus.SUCCEEDED] * position
    assert chain[position].status == RunStatus.FAILED
    assert chain[position].error["type"] == "ServerError"
    for later in chain[position + 1 :]:
        assert later.status == RunStatus.ABANDONED and not later.active
        assert later.started_at is None and later.attempts == 0
        assert later.error["type"] == sync_chain.NOT_STARTED
        assert _job_status(later) == JobStatus.FINISHED  # its job ran and did nothing
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1  # no employee written

    done = client.get(f"{_url(integration)}?poll=1", headers=POLL)
    assert done.status_code == 286
    states = ["succeeded"] * position + ["failed"] + ["not_started"] * (len(ORDER) - 1 - position)
    assert _states(done.text) == states
    text = html.unescape(done.text)
    label = chain[position].section.label
    message = (
        f"Non lancée : la synchronisation « {label} » a échoué; corrigez-la puis relancez "
        "Tout synchroniser."
    )
    assert text.count(message) == len(ORDER) - 1 - position
    assert "liste indisponible" in text
    toast = json.loads(done.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and f"« {label} » n'a pas abouti" in toast["message"]


def test_a_run_cancelled_while_queued_stops_the_rest(
    client, connect, rq, make_simulator, superadmin
):
    """RQ never starts a job waiting for a cancelled job: the page ends the rest of the chain."""
    integration = connect(make_simulator(employees=5))
    client.post(_url(integration), headers=HTMX)
    jobs.cancel_sync(_chain()[1], superadmin)
    work()
    chain = _chain()
    assert chain[0].status == RunStatus.SUCCEEDED
    assert [_job_status(run) for run in chain[2:]] == [JobStatus.DEFERRED] * (len(ORDER) - 2)
    assert all(job_lost(jobs.sync_job_id(run)) for run in chain[2:])  # nothing will run them
    done = client.get(f"{_url(integration)}?poll=1", headers=POLL)
    assert done.status_code == 286
    assert _states(done.text) == ["succeeded", "cancelled"] + ["not_started"] * (len(ORDER) - 2)
    assert "« Type d'heures » a été annulée" in html.unescape(done.text)


def test_a_waiting_link_is_not_lost_to_the_reaper(app, connect, rq, make_simulator, superadmin):
    chain = jobs.start_chain(connect(make_simulator(employees=5)), superadmin)
    for run in chain:
        run.due_at = utcnow() - timedelta(minutes=5)  # long past the queuing grace
    db.session.commit()
    assert not any(job_lost(jobs.sync_job_id(run)) for run in chain)
    assert jobs.reap() == 0
    assert [run.status for run in _chain()] == [RunStatus.QUEUED] * len(ORDER)
    queue.connection.flushdb()  # Redis restarted without its data
    assert jobs.reap() == len(ORDER)


def test_a_section_running_on_its_own_refuses_the_chain(
    client, connect, rq, make_simulator, superadmin
):
    integration = connect(make_simulator(employees=5))
    alone = jobs.start_sync(integration, SyncSection.EMPLOYEES, superadmin, preview=True)
    response = client.post(_url(integration), headers=HTMX)
    assert response.status_code == 200
    message = (
        "La synchronisation « Employés » est déjà en cours : attendez qu'elle se termine, puis "
        "relancez Tout synchroniser."
    )
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == message
    assert message in html.unescape(response.text)
    assert db.session.scalars(db.select(SyncRun.id)).all() == [alone.id]
    plain = client.post(_url(integration))
    assert plain.status_code == 409 and message in html.unescape(plain.text)


def test_without_htmx_the_click_leads_to_the_chain_page(client, connect, rq, make_simulator):
    integration = connect(make_simulator(employees=5))
    detail = client.get(f"/parametres/integrations/{integration.id}").text
    assert f'hx-post="{_url(integration)}"' in detail and 'hx-trigger="load"' in detail
    response = client.post(_url(integration))
    assert response.status_code == 303 and response.headers["Location"].endswith(_url(integration))
    page = html.unescape(client.get(_url(integration)).text)
    assert f"<h1>{integration.external_id} — Tout synchroniser</h1>" in page
    assert _states(page) == ["queued"] * len(ORDER)
    assert (
        "Métiers, Type d'heures, Dépenses et primes, Projets, Fournisseurs, Bons de commande, "
        "Employés"
    ) in page


def test_before_any_chain_the_region_says_so(client, connect, make_simulator):
    integration = connect(make_simulator(employees=5))
    response = client.get(_url(integration), headers=POLL)
    assert response.status_code == 200
    assert "n'a pas encore été lancé" in html.unescape(response.text)
    assert "every 500ms" not in response.text


@pytest.mark.parametrize("role", ["employee", "validator", "ts_admin", "manager"])
def test_everyone_but_a_superadmin_is_refused(
    client, connect, make_simulator, make_user, auth, role
):
    integration = connect(make_simulator(employees=5))
    auth.login(make_user(role, employee_number="9100"))
    for method, headers in [("get", {}), ("get", POLL), ("post", {}), ("post", HTMX)]:
        response = getattr(client, method)(_url(integration), headers=headers)
        assert response.status_code == 403, (role, method, headers)
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 0


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_click_needs_the_csrf_token(client, connect, rq, make_simulator, headers):
    integration = connect(make_simulator(employees=5))
    response = client.post(_url(integration), headers=headers, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 0


def test_another_company_cannot_see_or_start_the_chain(
    client, connect, rq, make_simulator, make_company, make_user, auth
):
    integration = connect(make_simulator(employees=5))
    auth.login(make_user("superadmin", company=make_company("Autre inc.")))
    assert client.get(_url(integration), headers=POLL).status_code == 404
    assert client.post(_url(integration), headers=HTMX).status_code == 404
    assert db.session.scalar(db.select(db.func.count(SyncRun.id))) == 0
