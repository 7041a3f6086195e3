"""Issue 12: the order of the company syncs does not matter, and counts say what changed.

Every order of the five company sections ends with the same links and the same Métier
habituel as the reference order; a second pass of every section updates nothing. The Métiers
sync gives the employees waiting for their trade theirs, counted once, in its own run.
"""

from __future__ import annotations

import html

import pytest

from portal import jobs
from portal.extensions import db
from portal.models import Project, RecordLink, RunStatus, SyncSection, Trade, User
from portal.services import console, matching, project_links, run_notes
from tests.fixtures.factories import connect_avantage
from tests.fixtures.queue import work

P, E, T, H, X = (
    SyncSection.PROJECTS,
    SyncSection.EMPLOYEES,
    SyncSection.TRADES,
    SyncSection.HOUR_TYPES,
    SyncSection.EARNINGS,
)
SECTIONS = (P, E, T, H, X)
#: The help article's order (Projets, Employés, Métiers, then the grids) and its reverse, each
#: rotated: every section comes first and last, every pair in both orders. (All 120
#: permutations pass too, in about a minute.)
ARTICLE = (P, E, T, H, X)
ORDERS = [order[i:] + order[:i] for order in (ARTICLE, ARTICLE[::-1]) for i in range(len(SECTIONS))]
#: The order the reference state is built in: every section after the ones it reads.
REFERENCE = (T, H, X, P, E)
#: Small enough for 120 orders, large enough for every trade, a "0"-prefixed and an inactive
#: employee (1017, 1031).
EMPLOYEES = 35
#: The reference state by database URL, built once (in a company of its own).
_reference: dict[str, dict] = {}


def _order_id(order: tuple[SyncSection, ...]) -> str:
    return "-".join(section.value for section in order)


def _prepare(company, make_user, make_work_data) -> None:
    """The portal before any sync: trade CHARP only, REG, T1.5, KM, REPAS, project 24-101,
    employees keyed the office's way (1017 for Avantage's "01017") and one Avantage lacks."""
    make_work_data(company)
    for number in ("1001", "1017", "7777"):
        make_user("employee", company=company, employee_number=number)


def _sync(integration, section: SyncSection, actor: User, **options):
    run = jobs.start_sync(integration, section, actor, **options)
    work()
    db.session.expire_all()
    run = db.session.get(type(run), run.id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _state(integration) -> dict:
    """Links and Métiers habituels by the records' own keys (ids differ between companies)."""
    company_id = integration.company_id
    natural = {
        section: dict(
            db.session.execute(
                db.select(model.id, _natural_key(model)).where(model.company_id == company_id)
            ).all()
        )
        for section, model in matching.LOCAL_MODELS.items()
        if section in SECTIONS
    }
    links = {
        (link.entity.value, link.remote_key): natural[link.entity].get(link.local_id)
        for link in db.session.scalars(
            db.select(RecordLink).where(RecordLink.integration_id == integration.id)
        )
    }
    trades = db.session.execute(
        db.select(User.employee_number, Trade.code)
        .outerjoin(Trade, Trade.id == User.default_trade_id)
        .where(User.company_id == company_id, User.is_superadmin.is_(False))
    ).all()
    return {"links": links, "trades": dict(trades)}


def _natural_key(model):
    return {User: User.employee_number, Project: Project.number}.get(model) or model.code


def _run_order(integration, actor, order) -> dict:
    for section in order:
        _sync(integration, section, actor)
    return _state(integration)


@pytest.fixture
def reference(rq, database_url, make_simulator, make_company, make_user, make_work_data) -> dict:
    """The state the reference order leads to, from the same start, in another company."""
    if database_url not in _reference:
        other = make_company("Référence inc.")
        _prepare(other, make_user, make_work_data)
        admin = make_user("superadmin", company=other, employee_number="9001")
        integration = connect_avantage(admin, make_simulator(employees=EMPLOYEES))
        _reference[database_url] = _run_order(integration, admin, REFERENCE)
    return _reference[database_url]


@pytest.fixture
def start(rq, connect, make_simulator, superadmin, company, make_user, make_work_data):
    """The company's integration, before any sync, and the simulator behind it."""
    _prepare(company, make_user, make_work_data)
    simulator = make_simulator(employees=EMPLOYEES)
    return connect(simulator), simulator


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_every_order_converges_and_a_second_pass_updates_nothing(
    start, reference, superadmin, order
):
    integration, _ = start
    state = _run_order(integration, superadmin, order)
    assert state == reference
    waiting = db.session.scalars(
        db.select(User.employee_number).where(
            User.company_id == integration.company_id,
            User.default_trade_id.is_(None),
            User.avantage_trade_code.is_not(None),
        )
    ).all()
    assert waiting == []  # every Avantage trade is a portal trade now
    for section in SECTIONS:  # a suggested portal record is shown once, on its Avantage row
        shown = [
            (row.local or row.suggestion).id
            for row in console.console_page(integration, section, per_page=None).rows
            if row.local or row.suggestion
        ]
        assert len(shown) == len(set(shown)), section
    for section in SECTIONS:
        again = _sync(integration, section, superadmin, full=True)
        assert (again.created, again.linked, again.updated) == (0, 0, 0), section
        assert again.unchanged == again.done > 0
    assert _state(integration) == reference


def _waiting(company_id: int) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User).where(
                User.company_id == company_id,
                User.default_trade_id.is_(None),
                User.avantage_trade_code.is_not(None),
            )
        )
    )


def test_metiers_gives_the_waiting_employees_their_trade_counted_once(start, superadmin):
    integration, _ = start
    employees = _sync(integration, E, superadmin)
    waiting = _waiting(integration.company_id)
    assert waiting and {user.avantage_trade_code for user in waiting}.isdisjoint({"CHARP"})
    assert len(waiting) < employees.created + employees.linked  # CHARP's have theirs

    preview = _sync(integration, T, superadmin, preview=True)
    assert preview.updated == len(waiting)
    notes = run_notes.shown_notes(preview)
    resolved = [note.label for note in notes if "métier habituel" in note.label]
    assert len(resolved) == len(waiting)
    assert len(_waiting(integration.company_id)) == len(waiting)  # a preview writes nothing

    trades = _sync(integration, T, superadmin)
    assert (trades.created, trades.linked, trades.updated) == (7, 1, len(waiting))
    for user in waiting:
        user = db.session.get(User, user.id)
        assert user.default_trade.code == user.avantage_trade_code
    assert _waiting(integration.company_id) == []

    assert _sync(integration, T, superadmin, full=True).updated == 0
    again = _sync(integration, E, superadmin, full=True)
    assert (again.updated, again.unchanged) == (0, again.done)


def test_the_first_projects_sync_links_and_updates_nothing(start, superadmin):
    integration, simulator = start
    first = _sync(integration, P, superadmin)
    assert first.done == 12
    assert (first.created, first.linked, first.updated, first.unchanged) == (0, 0, 0, 12)
    project = db.session.scalar(db.select(Project).where(Project.number == "24-101"))
    project_links.link_project(integration, project, "24-101", superadmin)
    db.session.commit()
    simulator.server.dataset.touch("projects", "24-101", name="Résidence Tremblay")
    simulator.server.dataset.touch("projects", "24-102", status="closed")
    later = _sync(integration, P, superadmin)
    assert (later.done, later.updated, later.unchanged) == (2, 1, 1)


HTMX_CONSOLE = {"HX-Request": "true", "HX-Target": "sync-console"}


def test_the_console_shows_a_suggestion_and_its_portal_record_as_one_row(start, superadmin, client):
    integration, _ = start
    _sync(integration, P, superadmin)
    project = db.session.scalar(db.select(Project).where(Project.number == "24-101"))
    rows = console.console_page(integration, P, per_page=None).rows
    assert [row.remote_key for row in rows if row.suggestion is not None] == ["24-101"]
    assert [row for row in rows if row.state == "portal_only"] == []

    url = f"/parametres/integrations/{integration.id}/synchro/projets"
    page = html.unescape(client.get(url).text)
    assert page.count(project.label) == 1
    assert "Portail seulement (0)" in page
    assert f"/projets/{project.id}/integration?integration={integration.id}" in page
    found = html.unescape(client.get(f"{url}?q=Tremblay", headers=HTMX_CONSOLE).text)
    assert "Suggestion :</span> " + project.label in found
