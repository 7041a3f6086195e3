"""No query per row: each main page sends as many SQL statements for a company of 30
employees, sheets and records as for one of 3 (issue 14).

Each test builds a small world, counts the statements of one GET, grows the same world
tenfold and counts again; the count must not grow with the data.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Activity,
    ExpenseKind,
    ExpenseLine,
    ExpenseType,
    HourLine,
    HourType,
    Integration,
    LinkMethod,
    PartnerType,
    Project,
    RecordLink,
    RemoteRecord,
    RunStatus,
    Supplier,
    SyncRun,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    Trade,
)
from portal.models.base import utcnow
from portal.services import export_batch
from tests.fixtures.statements import counted

MONDAY = date(2026, 11, 23)
SMALL, LARGE = 3, 30
HTMX = {"HX-Request": "true"}


class World:
    """A company with ``grow(n)`` more of everything each time: employees with a validated
    and a submitted sheet, projects and activities, catalog entries, Avantage's records
    (half of them linked), sync runs and an export batch of the validated sheets."""

    def __init__(self, admin, work, make_user) -> None:
        self.admin, self.work, self.make_user = admin, work, make_user
        self.company_id = admin.company_id
        self.project: Project = work["project"]
        self.integration = Integration(
            company_id=self.company_id, external_id="AVANTAGE", partner_type=PartnerType.AVANTAGE
        )
        db.session.add(self.integration)
        db.session.commit()
        self.size = 0
        self.batch = None
        self.viewed = None  # the employee whose week sheet is shown
        for section, local, key in [
            (SyncSection.PROJECTS, work["project"], "24-101"),
            (SyncSection.ACTIVITIES, work["formwork"], "24-101|03-100"),
            (SyncSection.ACTIVITIES, work["framing"], "24-101|06-100"),
            (SyncSection.TRADES, work["trade"], "CHARP"),
            (SyncSection.HOUR_TYPES, work["regular"], "REG"),
            (SyncSection.HOUR_TYPES, work["overtime"], "T1.5"),
            (SyncSection.EARNINGS, work["km"], "KM"),
            (SyncSection.EARNINGS, work["meal"], "REPAS"),
        ]:
            scope = "24-101" if section == SyncSection.ACTIVITIES else ""
            self.remote(section, key, {"code": key, "name": key, "multiplier": 1}, scope=scope)
            self.link(section, local.id, key)
        db.session.commit()

    def remote(self, section: SyncSection, key: str, data: dict, scope: str = "") -> None:
        db.session.add(
            RemoteRecord(
                company_id=self.company_id,
                integration_id=self.integration.id,
                entity=section,
                key=key,
                scope=scope,
                data=data,
            )
        )

    def link(self, section: SyncSection, local_id: int, key: str) -> None:
        db.session.add(
            RecordLink(
                company_id=self.company_id,
                integration_id=self.integration.id,
                entity=section,
                remote_key=key,
                local_id=local_id,
                method=LinkMethod.MANUAL,
            )
        )

    def sheet(self, employee, status: TimesheetStatus, week: date, lines: int = 2) -> Timesheet:
        work = self.work
        sheet = Timesheet(
            company_id=self.company_id, employee=employee, week_start=week, status=status
        )
        for number in range(lines):
            sheet.hour_lines.append(
                HourLine(
                    work_date=week + timedelta(days=number % 5),
                    project=work["project"],
                    activity=work["formwork"] if number % 2 else work["framing"],
                    trade=work["trade"],
                    hour_type=work["overtime"] if number % 3 == 2 else None,
                    hours=Decimal("4.00"),
                )
            )
        sheet.expense_lines.append(
            ExpenseLine(
                work_date=week,
                project=work["project"],
                activity=work["formwork"],
                expense_type=work["km"],
                quantity=Decimal("12"),
            )
        )
        db.session.add(sheet)
        return sheet

    def grow(self, target: int) -> None:
        """Make the world ``target`` of everything (employees, records, runs…)."""
        start, self.size = self.size, target
        validated = []
        for n in range(start, target):
            number = f"{2000 + n}"
            employee = self.make_user("employee", employee_number=number)
            self.remote(SyncSection.EMPLOYEES, number, {"number": number, "name": f"E {n}"})
            self.link(SyncSection.EMPLOYEES, employee.id, number)
            self.remote(SyncSection.EMPLOYEES, f"9{number}", {"number": f"9{number}"})
            validated.append(self.sheet(employee, TimesheetStatus.VALIDATED, MONDAY))
            self.sheet(employee, TimesheetStatus.SUBMITTED, MONDAY + timedelta(days=7))
            project = Project(company_id=self.company_id, number=f"25-{n:03}", name=f"Projet {n}")
            db.session.add(project)
            db.session.add_all(
                Activity(company_id=self.company_id, project=project, code=f"0{k}-1", name="A")
                for k in range(2)
            )
            db.session.add(
                Activity(
                    company_id=self.company_id, project=self.project, code=f"1{n:02}-1", name="B"
                )
            )
            db.session.add(Trade(company_id=self.company_id, code=f"T{n}", name=f"Métier {n}"))
            db.session.add(HourType(company_id=self.company_id, code=f"H{n}", name=f"Heure {n}"))
            db.session.add(
                ExpenseType(
                    company_id=self.company_id,
                    code=f"D{n}",
                    name=f"Dépense {n}",
                    kind=ExpenseKind.AMOUNT,
                )
            )
            for section in (SyncSection.PROJECTS, SyncSection.TRADES):
                self.remote(section, f"R{n}", {"code": f"R{n}", "name": f"Avantage {n}"})
            supplier = Supplier(company_id=self.company_id, code=f"F{n}", name=f"F {n}")
            db.session.add(supplier)
            db.session.flush()
            self.remote(SyncSection.SUPPLIERS, f"F{n}", {"code": f"F{n}", "name": f"F {n}"})
            self.link(SyncSection.SUPPLIERS, supplier.id, f"F{n}")
            order = {
                "number": f"BC-{n}",
                "project": "24-101",
                "supplier": f"F{n}",
                "status": "open",
                "total": "10.00",
                "lines": [{"activity": "03-100", "amount": "10.00"}],
            }
            self.remote(SyncSection.PURCHASE_ORDERS, f"BC-{n}", order, scope="24-101")
            for section in (SyncSection.HOUR_TYPES, SyncSection.EARNINGS):
                data = {"code": f"R{n}", "name": f"Avantage {n}", "multiplier": 2}
                self.remote(section, f"R{n}", data)
            self.remote(SyncSection.ACTIVITIES, f"24-101|9{n}", {"code": f"9{n}"}, scope="24-101")
            self.remote(SyncSection.BUDGET, f"24-101|9{n}", {"activity": f"9{n}"}, scope="24-101")
            for section, project_id in [
                (SyncSection.TRADES, None),
                (SyncSection.EMPLOYEES, None),
                (SyncSection.ACTIVITIES, self.project.id),
            ]:
                db.session.add(
                    SyncRun(
                        company_id=self.company_id,
                        integration_id=self.integration.id,
                        section=section,
                        project_id=project_id,
                        lock_key=f"{self.integration.id}:{section.value}:{n}",
                        active=False,
                        status=RunStatus.SUCCEEDED,
                        started_at=utcnow(),
                        finished_at=utcnow(),
                    )
                )
        db.session.commit()
        if self.viewed is None:
            self.viewed = validated[0].employee
            self.sheet(self.viewed, TimesheetStatus.DRAFT, MONDAY - timedelta(7), 3)
            db.session.commit()
        # The viewed week grows too: as many lines as the world has employees.
        draft = db.session.scalar(
            db.select(Timesheet).where(
                Timesheet.employee_id == self.viewed.id,
                Timesheet.week_start == MONDAY - timedelta(7),
            )
        )
        for n in range(len(draft.hour_lines), target):
            draft.hour_lines.append(
                HourLine(
                    work_date=draft.week_start + timedelta(days=n % 5),
                    project=self.work["project"],
                    activity=self.work["formwork"],
                    trade=self.work["trade"],
                    hours=Decimal("1.00"),
                )
            )
        if validated:
            batch, _created = export_batch.create_batch(
                self.company_id,
                self.admin,
                self.integration,
                validated,
                confirm_resend=False,
            )
            self.batch = batch
        db.session.commit()


#: Each main page: a name for failures, its URL (filled from the world) and its headers.
PAGES = [
    ("Feuilles de temps", "/feuilles-de-temps/", {}),
    ("Feuilles de temps (soumises)", "/feuilles-de-temps/?statut=submitted", {}),
    ("Semaine d'un employé", "/feuilles-de-temps/employes/{viewed}/2026-11-16", {}),
    ("Exportation", "/feuilles-de-temps/exportation?integration={integration}", {}),
    ("Lots d'exportation", "/feuilles-de-temps/exportation/lots", {}),
    ("Lot d'exportation", "/feuilles-de-temps/exportation/lots/{batch}", {}),
    ("Gestion des licences", "/parametres/licences", {}),
    ("Métiers", "/parametres/metiers", {}),
    ("Types d'heures", "/parametres/types-heures", {}),
    ("Dépenses et primes", "/parametres/depenses-primes", {}),
    ("Fournisseurs", "/parametres/fournisseurs", {}),
    ("Bons de commande du projet", "/projets/{project}/bons-de-commande", {}),
    (
        "Bons de commande de la compagnie",
        "/parametres/integrations/{integration}/synchro/bons-de-commande",
        {},
    ),
    ("Projets", "/projets/", {}),
    ("Projet et ses activités", "/projets/{project}", {}),
    ("Intégration", "/parametres/integrations/{integration}", {}),
    ("Intégrations", "/parametres/integrations", {}),
    *(
        (f"Console {slug}", "/parametres/integrations/{integration}/synchro/" + slug, {})
        for slug in ("projets", "employes", "metiers", "types-heures", "depenses-primes")
    ),
    (
        "Console employes (filtrée)",
        "/parametres/integrations/{integration}/synchro/employes?etat=linked&q=E&page=1",
        {**HTMX, "HX-Target": "sync-console"},
    ),
    ("Historique metiers", "/parametres/integrations/{integration}/synchro/metiers/historique", {}),
    ("Projet: Activités", "/projets/{project}/integration/{integration}/activites", {}),
    ("Projet: Budget", "/projets/{project}/integration/{integration}/budget", {}),
    (
        "Historique activités",
        "/projets/{project}/integration/{integration}/activites/historique",
        HTMX,
    ),
]


def _count(client, world: World, url: str, headers: dict) -> int:
    url = url.format(
        viewed=world.viewed.id,
        integration=world.integration.id,
        batch=world.batch.id,
        project=world.project.id,
    )
    with counted() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


@pytest.mark.parametrize(("name", "url", "headers"), PAGES, ids=[page[0] for page in PAGES])
def test_statements_do_not_grow_with_the_data(
    name, url, headers, client, auth, make_user, make_work_data
):
    admin = auth.login(make_user("superadmin"))
    world = World(admin, make_work_data(admin.company), make_user)
    world.grow(SMALL)
    # Each size is counted on a second request: the first warms the caches and lets a page
    # settle what it settles once (a new batch with no job is marked failed).
    _count(client, world, url, headers)
    small = _count(client, world, url, headers)
    world.grow(LARGE)
    _count(client, world, url, headers)
    large = _count(client, world, url, headers)
    assert large <= small, (
        f"{name}: {small} statements with {SMALL} of each record, {large} with {LARGE}"
    )
