"""A demo company with realistic French-Canadian data, for trying the portal."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.avantage.simulator.dataset import Dataset, employee_number
from portal.models import (
    AccessPoint,
    Activity,
    Company,
    ExpenseKind,
    ExpenseType,
    HourType,
    Integration,
    Licence,
    PartnerType,
    Project,
    ProjectStatus,
    TimesheetPermission,
    TimesheetStatus,
    Trade,
    User,
    db,
)
from portal.services import integrations
from portal.services.demo_sheets import demo_sheet
from portal.services.timesheets import week_start_of

DEMO_COMPANY = "Construction Bélanger inc."
#: Every demo login uses this password (printed by ``portal demo-data``).
DEMO_PASSWORD = "chantier-demo-2026"
#: The bundled MainTCP simulator of ``make demo`` runs with these credentials.
DEMO_AVANTAGE_USER = "portail"
DEMO_AVANTAGE_PASSWORD = "avantage-demo-2026"
DEMO_AVANTAGE_KEY = "CleDemo-128bits!"  # 16 characters: MainTCP's "128 bits" password
DEMO_AVANTAGE_SEED = 42

TRADES = [
    ("CHARP", "Charpentier-menuisier"),
    ("ELEC", "Électricien"),
    ("PLOMB", "Plombier"),
    ("OPER", "Opérateur de machinerie lourde"),
    ("MANOE", "Manœuvre"),
    ("BRIQ", "Briqueteur-maçon"),
    ("PEINT", "Peintre"),
]
HOUR_TYPES = [
    ("REG", "Régulier", True),
    ("T1.5", "Temps et demi", False),
    ("T2", "Temps double", False),
]
EXPENSE_TYPES = [
    ("KM", "Kilométrage", ExpenseKind.QUANTITY, "km"),
    ("REPAS", "Allocation de repas", ExpenseKind.AMOUNT, None),
    ("OUTIL", "Prime d'outillage", ExpenseKind.AMOUNT, None),
    ("HAUT", "Prime de hauteur", ExpenseKind.HOURS, None),
]
ACTIVITIES = [
    ("01-100", "Organisation de chantier"),
    ("02-200", "Excavation"),
    ("03-100", "Coffrage"),
    ("03-300", "Bétonnage"),
    ("06-100", "Charpente"),
    ("09-900", "Peinture"),
    ("15-400", "Plomberie"),
    ("16-100", "Électricité"),
]
PROJECTS = [
    ("24-101", "Résidence Tremblay — Lévis", ProjectStatus.ACTIVE),
    ("24-102", "Agrandissement École Saint-Joseph", ProjectStatus.ACTIVE),
    ("24-103", "Immeuble locatif Gagnon — Beauport", ProjectStatus.ACTIVE),
    ("24-104", "Garage municipal de Saint-Nicolas", ProjectStatus.ACTIVE),
    ("23-118", "Rénovation Clinique Côté", ProjectStatus.CLOSED),
]
#: The demo's people are the first employees of the simulator's data set (same numbers, names
#: and trades, so the Employés sync links them), with these roles for the first five.
ROLES = [
    ("Superadmin", Licence.MANAGEMENT, True, TimesheetPermission.ADMIN),
    ("Gestionnaire", Licence.MANAGEMENT, False, TimesheetPermission.EXTENDED),
    ("Commis à la paie (Admin)", Licence.NONE, False, TimesheetPermission.ADMIN),
    ("Contremaître (Étendue)", Licence.NONE, False, TimesheetPermission.EXTENDED),
    ("Employé (Limitée)", Licence.NONE, False, TimesheetPermission.LIMITED),
]
#: Indexes in the simulator's list: 1–16, then 17 and 23, which Avantage keys as "01017" and
#: " 1023" while the office typed "1017" and "1023" (the sync links them as "code normalisé").
CREW_INDEXES = [*range(1, 17), 17, 23]
#: A new hire the office entered before Avantage knows about them ("Portail seulement").
NEW_HIRE = ("Félix", "Gagnon", "2001", "MANOE")
#: Status of the sheets of each past week, oldest first (the current week stays a draft).
WEEK_STATUSES = [
    TimesheetStatus.FROZEN,
    TimesheetStatus.FROZEN,
    TimesheetStatus.VALIDATED,
    TimesheetStatus.SUBMITTED,
]


@dataclass
class DemoLogin:
    role: str
    name: str
    email: str


@dataclass
class DemoCompany:
    company: Company
    logins: list[DemoLogin] = field(default_factory=list)


def _crew(seed: int) -> list[dict]:
    """The simulator's employees the demo company also has, as the office keyed them."""
    dataset = Dataset(seed, employees=max(CREW_INDEXES))
    crew = []
    for index in CREW_INDEXES:
        record = dataset.get("employees", employee_number(index))
        number = record["number"].strip().lstrip("0")
        email = record["email"] or _email(record["first_name"], record["last_name"], number)
        crew.append({**record, "number": number, "email": email})
    return crew


def _email(first: str, last: str, number: str) -> str:
    table = str.maketrans("éèêëàâîïôöûüçÉÈ", "eeeeaaiioouucEE")
    name = f"{first}.{last}.{number}".translate(table).lower().replace(" ", "")
    return f"{name}@constructionbelanger.ca"


def create_demo_company(today: date, *, avantage_url: str, seed: int = 42) -> DemoCompany:
    """Create the demo company and its Avantage integration; the caller commits.

    Same seed, same data.
    """
    rng = random.Random(seed)
    company = Company(name=DEMO_COMPANY)
    db.session.add(company)
    trades = {code: Trade(company=company, code=code, name=name) for code, name in TRADES}
    hour_types = {
        code: HourType(company=company, code=code, name=name, is_regular=regular)
        for code, name, regular in HOUR_TYPES
    }
    expenses = {
        code: ExpenseType(company=company, code=code, name=name, kind=kind, unit=unit)
        for code, name, kind, unit in EXPENSE_TYPES
    }
    projects = []
    for number, name, status in PROJECTS:
        project = Project(company=company, number=number, name=name, status=status)
        for code, activity_name in ACTIVITIES:
            Activity(company=company, project=project, code=code, name=activity_name)
        projects.append(project)
    db.session.add_all([*trades.values(), *hour_types.values(), *expenses.values(), *projects])

    result = DemoCompany(company)
    people = []
    limited = (Licence.NONE, False, TimesheetPermission.LIMITED)
    for index, record in enumerate(_crew(DEMO_AVANTAGE_SEED)):
        role = ROLES[index] if index < len(ROLES) else None
        licence, superadmin, permission = role[1:] if role else limited
        user = _person(
            company,
            record["first_name"],
            record["last_name"],
            record["number"],
            record["email"],
            trades.get(record["trade"]),  # FERB is not in the portal yet: the sync adds it
            licence,
            superadmin,
            permission,
        )
        if role:
            result.logins.append(DemoLogin(role[0], user.full_name, user.email))
        people.append(user)
    first, last, number, trade = NEW_HIRE
    people.append(
        _person(company, first, last, number, _email(first, last, number), trades[trade], *limited)
    )
    db.session.flush()

    connect_demo_avantage(company, people[0], avantage_url)
    payroll_admin, reviewer = people[2], people[3]
    open_projects = [p for p in projects if p.status == ProjectStatus.ACTIVE]
    current = week_start_of(today)
    weeks = [current - timedelta(weeks=n) for n in range(len(WEEK_STATUSES), 0, -1)]
    for week, status in zip(weeks, WEEK_STATUSES, strict=True):
        for person in people[2:]:
            demo_sheet(
                company,
                person,
                week,
                status,
                rng,
                open_projects,
                hour_types,
                expenses,
                (reviewer, payroll_admin),
            )
    # The current week: a rejected sheet to correct, and drafts in progress.
    for index, person in enumerate(people[4:]):
        status = TimesheetStatus.REJECTED if index == 1 else TimesheetStatus.DRAFT
        demo_sheet(
            company,
            person,
            current,
            status,
            rng,
            open_projects,
            hour_types,
            expenses,
            (reviewer, payroll_admin),
            days=min(5, today.weekday() + 1),
        )
    return result


def _person(company, first, last, number, email, trade, licence, superadmin, permission) -> User:
    user = User(
        company=company,
        first_name=first,
        last_name=last,
        employee_number=number,
        email=email,
        default_trade=trade,
        licence=licence,
        is_superadmin=superadmin,
        timesheet_permission=permission,
    )
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def logins_of(company: Company) -> list[DemoLogin]:
    """The demo logins of an existing demo company, for printing again."""
    logins = []
    for (role, *_), record in zip(ROLES, _crew(DEMO_AVANTAGE_SEED), strict=False):
        user = db.session.scalar(
            db.select(User).where(
                User.company_id == company.id, User.employee_number == record["number"]
            )
        )
        if user is not None:
            logins.append(DemoLogin(role, user.full_name, user.email))
    return logins


def connect_demo_avantage(company: Company, superadmin: User, url: str) -> AccessPoint:
    """The demo's Avantage integration, its default access point aimed at the simulator."""
    integration = db.session.scalar(
        db.select(Integration).where(
            Integration.company_id == company.id, Integration.external_id == "AVANTAGE"
        )
    )
    if integration is None:
        integration = integrations.create_integration(
            company.id, superadmin, "AVANTAGE", PartnerType.AVANTAGE.value
        )
    point = integration.default_access_point
    data = integrations.AccessPointData(
        url=url,
        username=DEMO_AVANTAGE_USER,
        password=DEMO_AVANTAGE_PASSWORD,
        encryption_key=DEMO_AVANTAGE_KEY,
    )
    return integrations.save_access_point(
        company.id, superadmin, integration, data, point, allow_private=True
    )
