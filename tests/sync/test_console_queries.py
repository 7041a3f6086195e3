"""The matching console pairs, filters, counts and paginates in the database (issue 14): a
page reads one page of records whatever the size of the section, and the rows are the same
as the pairing rules say."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import (
    Integration,
    LinkMethod,
    PartnerType,
    RecordLink,
    RemoteRecord,
    SyncSection,
    Trade,
    User,
)
from portal.services import console, link_choices

EMPLOYEES = SyncSection.EMPLOYEES


@pytest.fixture
def integration(superadmin):
    integration = Integration(
        company_id=superadmin.company_id, external_id="AV", partner_type=PartnerType.AVANTAGE
    )
    db.session.add(integration)
    db.session.commit()
    return integration


def _remote(integration, section, key, **data):
    db.session.add(
        RemoteRecord(
            company_id=integration.company_id,
            integration_id=integration.id,
            entity=section,
            key=key,
            data={"code": key, **data},
        )
    )


def _link(integration, section, key, local, method=LinkMethod.NUMBER):
    db.session.add(
        RecordLink(
            company_id=integration.company_id,
            integration_id=integration.id,
            entity=section,
            remote_key=key,
            local_id=local.id if local is not None else None,  # None: unlinked by hand
            method=method,
        )
    )


@contextlib.contextmanager
def loaded() -> Iterator[list[object]]:
    """Every ORM object loaded from the database meanwhile."""
    objects: list[object] = []

    def on_load(target, context):
        objects.append(target)

    for model in (RemoteRecord, User):
        event.listen(model, "load", on_load)
    try:
        yield objects
    finally:
        for model in (RemoteRecord, User):
            event.remove(model, "load", on_load)


def test_a_page_reads_one_page_of_records_whatever_the_section_holds(
    integration, make_user, client
):
    for n in range(1, 181):
        employee = make_user("employee", employee_number=f"{n:05d}")
        _remote(integration, EMPLOYEES, f"{n:05d}", first_name=f"P{n}")
        if n % 2:
            _link(integration, EMPLOYEES, f"{n:05d}", employee)
    for n in range(1, 61):
        make_user("employee", employee_number=f"8{n:04d}")  # portal only
    integration_id = integration.id
    db.session.commit()
    db.session.expunge_all()
    integration = db.session.get(Integration, integration_id)

    with loaded() as objects:
        page = console.console_page(integration, EMPLOYEES, page=2)
    assert len(page.rows) == console.PER_PAGE
    # The page's Avantage records and the portal records they show, nothing else.
    assert len(objects) <= 2 * console.PER_PAGE
    assert page.total == 180 + 61  # the Superadmin of the fixture has a number too
    assert page.pages == 5
    assert page.counts == {
        "linked": 90,
        "created": 0,
        "avantage_only": 90,
        "portal_only": 61,
        "removed": 0,
    }

    url = f"/parametres/integrations/{integration_id}/synchro/employes"
    db.session.expunge_all()
    with loaded() as objects:
        response = client.get(url, query_string={"page": 5})
    assert response.status_code == 200
    # The page's rows, the signed-in Superadmin, and at most 500 link choices.
    assert len(objects) <= 2 * console.PER_PAGE + 1 + 500
    # Page 5 holds the last 41 rows, portal employees only, not the first page again (it did).
    assert len(set(re.findall(r"\b8\d{4}\b", response.text))) == 41
    assert "00001" not in response.text and "00001" in client.get(url).text


def test_a_suggestion_pairs_one_record_of_each_side_and_the_rest_stay_listed(
    integration, make_user
):
    first = make_user("employee", employee_number="0042")
    twin = make_user("employee", employee_number="42")  # the same number, normalised
    _remote(integration, EMPLOYEES, "00042")
    _remote(integration, EMPLOYEES, "042")
    db.session.commit()

    rows = console.console_page(integration, EMPLOYEES, per_page=None).rows
    by_key = {row.remote_key: row for row in rows if row.remote_key}
    assert by_key["00042"].suggestion == first  # the first record of each side
    assert by_key["042"].suggestion is None
    assert [row.local for row in rows if row.state == "portal_only"].count(twin) == 1
    assert first not in [row.local for row in rows]


def test_states_of_linked_created_and_removed_records(integration, make_user):
    linked, created, gone = (make_user("employee", employee_number=n) for n in "123")
    for employee, method in ((linked, LinkMethod.NUMBER), (created, LinkMethod.CREATED)):
        _remote(integration, EMPLOYEES, employee.employee_number)
        _link(integration, EMPLOYEES, employee.employee_number, employee, method)
    _remote(integration, EMPLOYEES, "3")
    _link(integration, EMPLOYEES, "3", gone)
    _remote(integration, EMPLOYEES, "4")  # removed and never linked: not shown
    db.session.flush()
    for record in db.session.scalars(
        db.select(RemoteRecord).where(RemoteRecord.key.in_(["3", "4"]))
    ):
        record.removed_at = db.func.now()
    db.session.commit()

    page = console.console_page(integration, EMPLOYEES, per_page=None)
    states = {row.remote_key: row.state for row in page.rows if row.remote_key}
    assert states == {"1": "linked", "2": "created", "3": "removed"}
    assert console.console_page(integration, EMPLOYEES, state="removed").total == 1


@pytest.mark.parametrize(
    ("search", "keys"),
    [
        ("cote", ["7"]),  # Avantage's value, without its accent
        ("JOSÉE", ["7"]),
        ("josee gagnon", []),  # every word must be found
        ("tremblay", ["0008"]),  # the linked portal record's name
        ("0008", ["0008"]),  # the key itself
        ("%", ["9"]),  # a literal character, not a wildcard
        ("_", []),
    ],
)
def test_the_search_reads_both_sides_without_accents(integration, make_user, search, keys):
    _remote(integration, EMPLOYEES, "7", first_name="Josée", last_name="Côté")
    _remote(integration, EMPLOYEES, "0008", first_name="M.")
    _remote(integration, EMPLOYEES, "9", first_name="100 %")
    linked = make_user("employee", employee_number="8", first_name="Luc", last_name="Tremblay")
    _link(integration, EMPLOYEES, "0008", linked)
    db.session.commit()

    page = console.console_page(integration, EMPLOYEES, search=search, per_page=None)
    assert [row.remote_key for row in page.rows] == keys
    assert sum(page.counts.values()) == 3 + 1  # counts ignore the search (the fixture's admin)


def test_a_changed_record_is_searched_by_its_new_values(connect, sync_now, make_simulator):
    simulator = make_simulator()
    integration = connect(simulator)
    sync_now(integration, SyncSection.TRADES)
    record = db.session.scalars(
        db.select(RemoteRecord).where(RemoteRecord.entity == SyncSection.TRADES)
    ).first()

    def keys(search: str) -> list[str]:
        page = console.console_page(integration, SyncSection.TRADES, search=search)
        return [row.remote_key for row in page.rows]

    key, name = record.key, record.data["name"]
    assert key in keys(name)
    simulator.server.dataset.touch("trades", key, name="Ébéniste d'art")
    sync_now(integration, SyncSection.TRADES, full=True)
    assert keys("EBENISTE d'art") == [key]
    assert key not in keys(name)


def test_choices_are_the_unlinked_records_in_label_order(integration, superadmin):
    trades = [Trade(company_id=superadmin.company_id, code=code, name=code) for code in "CBA"]
    db.session.add_all(trades)
    db.session.flush()
    _remote(integration, SyncSection.TRADES, "b")
    _link(integration, SyncSection.TRADES, "b", trades[1])
    db.session.commit()
    labels = [label for _, label in link_choices.console_choices(integration, SyncSection.TRADES)]
    assert labels == ["A — A", "C — C"]
    assert link_choices.console_choices(integration, SyncSection.TRADES, limit=1) == [
        (trades[2].id, "A — A")
    ]


def test_a_row_picker_lists_a_screenful_and_the_search_reaches_the_rest(
    integration, make_user, client
):
    for n in range(1, 31):
        make_user("employee", employee_number=f"{n:04d}", first_name="Ouvrier", last_name=f"N{n}")
    make_user("employee", employee_number="0999", first_name="Josée", last_name="Zéphir")
    _remote(integration, EMPLOYEES, "5000")
    db.session.commit()
    base = f"/parametres/integrations/{integration.id}/synchro/employes"

    page = client.get(base).text
    picker = re.search(r'<select id="link-1".*?</select>', page, re.S).group()
    assert picker.count('<option value="') == link_choices.PICKER_SIZE + 1  # and « Choisir »
    assert "Zéphir" not in picker

    found = client.get(f"{base}/choix", query_string={"cible": "link-1", "q": "josee zeph"})
    assert found.status_code == 200
    assert "0999 — Josée Zéphir" in found.text
    assert "1 enregistrement trouvé." in found.text

    many = client.get(f"{base}/choix", query_string={"cible": "link-1", "q": "ouvrier"})
    assert many.text.count('<option value="') == link_choices.PICKER_SIZE + 1
    assert "précisez la recherche" in many.text

    refused = client.get(f"{base}/choix", query_string={"cible": "<script>", "q": "a"})
    assert refused.status_code == 400


def test_a_search_finds_an_avantage_row_by_the_name_it_suggests(integration, make_user):
    suggested = make_user("employee", employee_number="42", first_name="Zoé", last_name="Lachance")
    _remote(integration, EMPLOYEES, "0042")
    db.session.commit()
    for search in ("", "lachance"):
        rows = console.console_page(integration, EMPLOYEES, search=search, per_page=None).rows
        found = [row for row in rows if row.remote_key == "0042"]
        assert [row.suggestion for row in found] == [suggested], search
        assert suggested not in [row.local for row in rows], search  # not a second row


def test_keys_that_case_folding_lengthens_fit_and_still_pair(integration, make_user):
    """« ß » folds to « ss »: a full-length number or key of them is stored and matched."""
    number = "ß" * 20  # the longest employee number
    employee = make_user("employee", employee_number=number)
    _remote(integration, EMPLOYEES, number)
    _remote(integration, EMPLOYEES, "ﬃ" * 120)  # the longest Avantage key, three times longer
    trade = Trade(company_id=integration.company_id, code="ß" * 20, name="Métier")
    db.session.add(trade)
    db.session.commit()
    assert employee.match_key == "ss" * 20 and trade.match_key == "ss" * 20
    rows = console.console_page(integration, EMPLOYEES, per_page=None).rows
    assert [row.suggestion for row in rows if row.remote_key == number] == [employee]


@pytest.fixture
def mixed_section(integration, make_user):
    """Avantage records of every state, with keys out of insertion order, and portal-only
    employees whose names sort apart from their ids."""
    for n in (17, 3, 11, 5, 19, 2, 13, 7, 23, 29, 31, 37, 41, 43):
        key = f"{n:05d}"
        _remote(integration, EMPLOYEES, key, first_name=f"P{n}")
        if n % 3 == 0:
            continue  # avantage only
        employee = make_user("employee", employee_number=key)
        method = LinkMethod.CREATED if n % 3 == 1 else LinkMethod.NUMBER
        _link(integration, EMPLOYEES, key, employee, method)
    for name in ("Zéphir", "Émond", "Bédard", "Côté", "Allard", "Ouellet", "Lévesque"):
        make_user("employee", last_name=name, employee_number=f"9{len(name)}{name[:2]}")
    db.session.flush()
    for record in db.session.scalars(
        db.select(RemoteRecord).where(RemoteRecord.key.in_(["00017", "00031"]))
    ):
        record.removed_at = db.func.now()
    db.session.commit()
    return integration


def _identity(row: console.ConsoleRow) -> tuple:
    return (row.state, row.remote_key, row.local.id if row.local else None)


@pytest.mark.parametrize("state", ["", *console.STATES])
def test_pages_add_up_to_the_whole_console_in_its_order(mixed_section, state):
    """Avantage's rows by key, then the portal's by name, whichever page and filter: the
    pages of 4 rows, one after the other, are exactly the console read whole."""
    whole = console.console_page(mixed_section, EMPLOYEES, state=state, per_page=None)
    assert whole.total == len(whole.rows) > 0
    assert all(row.state == state for row in whole.rows) or not state
    avantage = [row.remote_key for row in whole.rows if row.remote_key]
    assert avantage == sorted(avantage)
    portal = [row.local for row in whole.rows if row.state == "portal_only"]
    assert [user.name_sort for user in portal] == sorted(user.name_sort for user in portal)
    assert whole.rows[: len(avantage)] == [row for row in whole.rows if row.remote_key]
    paged = []
    for number in range(1, whole.total // 4 + 2):
        page = console.console_page(mixed_section, EMPLOYEES, state=state, page=number, per_page=4)
        assert page.total == whole.total and page.pages == -(-whole.total // 4)
        if number <= page.pages:
            paged += page.rows
    assert [_identity(row) for row in paged] == [_identity(row) for row in whole.rows]


@pytest.mark.skipif(
    "postgresql" in (os.environ.get("TEST_DATABASE_URL") or ""),
    reason="SQLite's plans: PostgreSQL's planner may rightly sort a table this small",
)
def test_a_page_walks_its_side_in_index_order_without_sorting_the_section(mixed_section):
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        console.console_page(mixed_section, EMPLOYEES, page=3, per_page=4)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    pages = [(s, p) for s, p in statements if " LIMIT " in s and "GROUP BY" not in s]
    assert pages
    cursor = db.session.connection().connection.cursor()
    for statement, parameters in pages:
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = [row[3] for row in cursor.fetchall()]
        assert not [step for step in plan if "TEMP B-TREE FOR ORDER BY" in step], plan


@pytest.mark.parametrize(
    ("state", "search"),
    [("", "0"), ("linked", "0"), ("portal_only", "é")],  # Avantage's keys, accented names
)
def test_search_pages_add_up_and_each_reads_the_section_once(mixed_section, state, search):
    """A search's pages of 4, one after the other, are the search read whole; each page
    counts its rows in the statement that reads them (no count statement of its own); a page
    past the last one shows the last."""
    whole = console.console_page(
        mixed_section, EMPLOYEES, state=state, search=search, per_page=None
    )
    assert whole.total == len(whole.rows) > 4
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    paged = []
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for number in range(1, -(-whole.total // 4) + 1):
            page = console.console_page(
                mixed_section, EMPLOYEES, state=state, search=search, page=number, per_page=4
            )
            assert (page.total, page.pages, page.page) == (
                whole.total,
                -(-whole.total // 4),
                number,
            )
            paged += page.rows
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert [_identity(row) for row in paged] == [_identity(row) for row in whole.rows]
    assert not [s for s in statements if re.match(r"SELECT count\(\*\) AS count_1\b", s)]

    past = console.console_page(
        mixed_section, EMPLOYEES, state=state, search=search, page=99, per_page=4
    )
    assert past.page == past.pages and past.rows == whole.rows[4 * (past.pages - 1) :]
    nothing = console.console_page(mixed_section, EMPLOYEES, search="zzz", page=3, per_page=4)
    assert (nothing.total, nothing.pages, nothing.page, nothing.rows) == (0, 1, 1, [])


def test_a_record_unlinked_by_hand_leaves_the_portal_side_listed(integration, make_user):
    """A link whose portal side was taken back by hand keeps a NULL id: the portal records
    are still told linked or not (a NULL among the linked ids would make none unlinked)."""
    linked = make_user("employee", employee_number="1")
    alone = make_user("employee", employee_number="2", last_name="Seul")
    _remote(integration, EMPLOYEES, "1")
    _link(integration, EMPLOYEES, "1", linked)
    _remote(integration, EMPLOYEES, "9")
    _link(integration, EMPLOYEES, "9", None, LinkMethod.MANUAL)
    db.session.commit()
    page = console.console_page(integration, EMPLOYEES, per_page=None)
    portal_only = [row.local for row in page.rows if row.state == "portal_only"]
    assert alone in portal_only and linked not in portal_only
    assert page.counts["portal_only"] == len(portal_only)
