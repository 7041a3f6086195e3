"""Lists of people, projects and coded entries come out of the database (and the pages) in
the order a Québec reader expects, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Licence,
    PartnerType,
    Project,
    ProjectStatus,
    SyncSection,
    TimesheetStatus,
    Trade,
    User,
)
from portal.models.company import name_sort_of
from portal.services import (
    catalog,
    employee_search,
    export_queries,
    integrations,
    link_choices,
    projects,
    timesheets,
)
from portal.services import users as users_service

#: Seeded in this order; byte order would put Bédard after Boucher, Éthier after lavoie and
#: lavoie after every capital.
SEEDED = [
    ("Marc", "Boucher"),
    ("Julie", "Bédard"),
    ("Luc", "Éthier"),
    ("Anne", "Eaton"),
    ("Rémi", "Côté"),
    ("Paul", "Cyr"),
    ("Nadia", "lavoie"),
    ("Yves", "Lapointe"),
]
#: What a reader expects; the signed-in administrator (Tremblay) comes last.
EXPECTED = [
    "Julie Bédard",
    "Marc Boucher",
    "Rémi Côté",
    "Paul Cyr",
    "Anne Eaton",
    "Luc Éthier",
    "Yves Lapointe",
    "Nadia lavoie",
    "Sophie Tremblay",
]


@pytest.fixture
def admin(make_user, auth):
    return auth.login(make_user("superadmin", first_name="Sophie", last_name="Tremblay"))


@pytest.fixture
def crew(admin, make_user):
    return [make_user("employee", first_name=first, last_name=last) for first, last in SEEDED]


def _positions(text: str, names: list[str]) -> list[int]:
    found = [text.find(name) for name in names]
    assert -1 not in found, [name for name, at in zip(names, found, strict=True) if at < 0]
    return found


def _people_in(chunks: list[str]) -> list[str]:
    """The people of EXPECTED that ``chunks`` (options, rows) name, in their order, whatever
    the label's shape ("Julie Bédard", "Bédard, Julie (1002)"…)."""
    people = []
    for chunk in chunks:
        people += [name for name in EXPECTED if all(part in chunk for part in name.split())]
    return people


def test_licence_management_pages_through_people_in_reading_order(admin, crew):
    pages = [
        users_service.list_users(admin.company_id, page=page, per_page=4) for page in (1, 2, 3)
    ]
    assert [user.full_name for page in pages for user in page.items] == EXPECTED
    assert pages[0].total == len(EXPECTED)


def test_licence_management_page_shows_people_in_reading_order(client, admin, crew):
    response = client.get("/parametres/licences")
    assert response.status_code == 200
    at = _positions(response.text, [f"<strong>{name}</strong>" for name in EXPECTED])
    assert at == sorted(at)


def test_filtered_people_keep_the_order(admin, crew):
    page = users_service.list_users(admin.company_id, licence=Licence.NONE, per_page=50)
    assert [user.full_name for user in page.items] == EXPECTED[:-1]


def test_a_renamed_person_moves_to_their_new_place(admin, crew):
    cyr = next(user for user in crew if user.last_name == "Cyr")
    cyr.last_name = "Ébert"
    db.session.commit()
    names = [user.full_name for user in users_service.list_users(admin.company_id).items]
    assert names.index("Paul Ébert") == names.index("Anne Eaton") + 1


def test_people_inserted_without_the_orm_get_their_key(admin):
    """The employee sync inserts a page of people in one Core statement."""
    db.session.execute(
        User.__table__.insert(),
        [
            {
                "company_id": admin.company_id,
                "email": f"p{n}@exemple.ca",
                "first_name": first,
                "last_name": last,
                "employee_number": str(5000 + n),
            }
            for n, (first, last) in enumerate(SEEDED)
        ],
    )
    db.session.commit()
    rows = db.session.execute(sa.select(User.first_name, User.last_name, User.name_sort)).all()
    assert all(key == name_sort_of(first, last) for first, last, key in rows)
    names = [user.full_name for user in users_service.list_users(admin.company_id).items]
    assert names == EXPECTED


def test_employee_pickers_and_the_timesheet_list_follow_the_order(
    client, admin, crew, make_work_data, make_timesheet
):
    work = make_work_data(admin.company)
    for person in reversed([admin, *crew]):
        make_timesheet(person, work)
    pickers_first = employee_search.search_employees(admin.company_id, admin, "").people
    assert [user.full_name for user in pickers_first] == EXPECTED
    sheets = timesheets.list_sheets(admin.company_id, admin, per_page=50).items
    assert [sheet.employee.full_name for sheet in sheets] == EXPECTED

    response = client.get("/feuilles-de-temps/")
    assert response.status_code == 200
    pickers = re.findall(r'<select[^>]*name="employe".*?</select>', response.text, re.S)
    assert pickers
    for picker in pickers:
        assert _people_in(re.findall(r"<option[^>]*>(.*?)</option>", picker)) == EXPECTED
    rows = re.findall(r'<tr id="sheet-\d+">.*?</tr>', response.text, re.S)
    assert _people_in(rows) == EXPECTED


def test_the_export_list_follows_the_order(admin, crew, make_work_data, make_timesheet):
    work = make_work_data(admin.company)
    for person in reversed([admin, *crew]):
        make_timesheet(person, work, status=TimesheetStatus.VALIDATED)
    pages = [
        export_queries.sendable_sheets(admin.company_id, page=n, per_page=4) for n in (1, 2, 3)
    ]
    assert [sheet.employee.full_name for page in pages for sheet in page.items] == EXPECTED


#: Byte order would give 24-101, EX-901, Éco-3, ex-900 (capitals, then accents, last).
PROJECTS = [("EX-901", "Atelier"), ("ex-900", "Entrepôt"), ("Éco-3", "École"), ("24-101", "Zinc")]
PROJECTS_EXPECTED = ["24-101", "Éco-3", "ex-900", "EX-901"]


@pytest.fixture
def project_list(admin):
    made = [
        Project(company_id=admin.company_id, number=number, name=name, status=ProjectStatus.ACTIVE)
        for number, name in PROJECTS
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_projects_list_by_number_as_a_reader_sorts_it(client, admin, project_list):
    company_id = admin.company_id
    paged = [projects.list_projects(company_id, page=page, per_page=2) for page in (1, 2)]
    assert [project.number for page in paged for project in page.items] == PROJECTS_EXPECTED
    assert [p.number for p in projects.active_projects(company_id)] == PROJECTS_EXPECTED
    assert [p.number for p in timesheets.filter_projects(company_id)] == PROJECTS_EXPECTED
    response = client.get("/projets/")
    assert response.status_code == 200
    at = _positions(response.text, [f">{number}<" for number in PROJECTS_EXPECTED])
    assert at == sorted(at)


def test_coded_lists_sort_their_codes_without_regard_to_case_or_accents(admin):
    for code in ("élec", "CHARP", "briq"):
        db.session.add(Trade(company_id=admin.company_id, code=code, name=code.capitalize()))
    db.session.commit()
    assert [t.code for t in catalog.list_entries(Trade, admin.company_id)] == [
        "briq",
        "CHARP",
        "élec",
    ]
    integration = integrations.create_integration(
        admin.company_id, admin, "AVANTAGE", PartnerType.AVANTAGE.value
    )
    labels = [label for _id, label in link_choices.console_choices(integration, SyncSection.TRADES)]
    assert labels == ["briq — Briq", "CHARP — Charp", "élec — Élec"]


def _declared_collations() -> dict[str, str]:
    """The collation each database compares the stored sort keys with."""
    if db.engine.dialect.name == "postgresql":
        return dict(
            db.session.execute(
                sa.text(
                    "SELECT table_name, collation_name FROM information_schema.columns WHERE "
                    "(table_name, column_name) IN (('user', 'name_sort'), "
                    "('project', 'label_sort'))"
                )
            ).all()
        )
    # SQLite: a column without COLLATE compares with BINARY, byte by byte.
    found = {}
    for table, column in (("user", "name_sort"), ("project", "label_sort")):
        ddl = db.session.scalar(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
            {"t": table},
        )
        declaration = next(line for line in ddl.splitlines() if line.strip().startswith(column))
        found[table] = "C" if "COLLATE" not in declaration.upper() else declaration
    return found


def test_the_database_compares_the_keys_byte_by_byte(app):
    assert _declared_collations() == {"user": "C", "project": "C"}
