"""The authorization table: every endpoint, who may use it, and how to build a real request.

``CASES`` holds one request per (endpoint, variant): its URL and form are templates such as
``/projets/{project.id}`` whose fields a ``World`` fills with real objects of one company,
made on first use (each test pays only for what its request names).
``tests/test_authorization.py`` runs every case for every role; ``tests/test_tenancy.py``
runs the cases with an id in their URL for a user of another company.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property

import pytest

from portal import crypto
from portal.extensions import db
from portal.models import (
    AccessPoint,
    BatchStatus,
    Company,
    ExportBatch,
    Integration,
    PartnerType,
    RemoteRecord,
    RunStatus,
    SyncRun,
    SyncSection,
    Timesheet,
    TimesheetRevision,
    TimesheetStatus,
    User,
)
from portal.models.base import utcnow

#: Everyone who may send a request, from nobody to all rights.
ROLES = ("anonymous", "employee", "validator", "ts_admin", "manager", "superadmin")

#: Who passes each rule (the anonymous visitor is sent to /connexion by every rule but public).
ALLOWED = {
    "public": frozenset(ROLES),
    "signed_in": frozenset(ROLES) - {"anonymous"},
    "reviewer": frozenset({"validator", "ts_admin", "superadmin"}),  # Étendue and above
    "ts_admin": frozenset({"ts_admin", "superadmin"}),  # timesheet Admin (or Superadmin)
    "manager": frozenset({"manager", "superadmin"}),  # licence de gestion
    "superadmin": frozenset({"superadmin"}),
}

#: The weeks the sheets of a world live in (Mondays): one per sheet of the same employee.
WEEKS = {
    TimesheetStatus.DRAFT: date(2026, 11, 23),
    TimesheetStatus.SUBMITTED: date(2026, 11, 30),
    TimesheetStatus.VALIDATED: date(2026, 12, 7),
}
#: The week of a sheet already sent to Avantage.
SENT_WEEK = date(2026, 11, 16)
#: The week new lines are added to (no sheet there yet).
NEW_WEEK = date(2026, 12, 14)
#: The weeks a template names: ``{draft_week}``, ``{new_week}``.
WEEK_NAMES = {"draft_week": WEEKS[TimesheetStatus.DRAFT], "new_week": NEW_WEEK}
#: What ``make_work_data`` makes, named in templates as ``{project.id}``, ``{trade.id}``…
WORK_DATA = frozenset(
    {"trade", "regular", "overtime", "km", "meal", "project", "formwork", "framing"}
)

#: The htmx request headers, aimed at a region when a target is given.
HTMX = {"HX-Request": "true"}


def hx(target: str) -> dict:
    return {**HTMX, "HX-Target": target}


@cache
def closed_port() -> int:
    """A loopback port nobody listens on: the access point test is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class World:
    """One company's objects as the requests of the table need them, made on first use."""

    def __init__(self, company: Company, role: str, request: pytest.FixtureRequest) -> None:
        """``request`` gives the factories of ``tests/fixtures`` (``make_user``…)."""
        self.company, self.role = company, role
        self._make_user = request.getfixturevalue("make_user")
        self._make_work_data = request.getfixturevalue("make_work_data")
        self._make_timesheet = request.getfixturevalue("make_timesheet")

    def __getitem__(self, name: str):
        """What a template's ``{name}`` stands for (``str.format_map``): an object or a week."""
        if name in WEEK_NAMES:
            return WEEK_NAMES[name].isoformat()
        if name in WORK_DATA:
            return self.work[name]
        return getattr(self, name)

    def fill(self, template):
        """A template (a string, or a list or dict of them) with this world's objects in it."""
        if isinstance(template, str):
            return template.format_map(self)
        if isinstance(template, list):
            return [self.fill(item) for item in template]
        return {self.fill(key): self.fill(value) for key, value in template.items()}

    def user(self, role: str, **fields) -> User:
        return self._make_user(role, company=self.company, **fields)

    @cached_property
    def actor(self) -> User | None:
        """The signed-in user of ``role`` (None for an anonymous visitor)."""
        return None if self.role == "anonymous" else self.user(self.role)

    @cached_property
    def me(self) -> User:
        """Whose own sheets the URLs name: the actor, or an employee for anonymous visitors."""
        return self.actor or self.user("employee")

    @cached_property
    def other(self) -> User:
        """Another employee (Limitée, no licence) of the company."""
        return self.user("employee", first_name="Rose", last_name="Côté")

    @cached_property
    def reset_token(self) -> str:
        """A valid password-reset link's token for ``other``."""
        from portal.services import password_reset

        return password_reset.make_token(self.other, 3600)

    @cached_property
    def other_manager(self) -> User:
        return self.user("manager", first_name="Marc", last_name="Pelletier")

    @cached_property
    def work(self) -> dict:
        return self._make_work_data(self.company)

    def sheet(self, owner: User, status: TimesheetStatus) -> Timesheet:
        """A sheet of ``owner`` with one 8-hour line, in ``status``."""
        return self._make_timesheet(owner, self.work, status=status, week_start=WEEKS[status])

    @cached_property
    def own_draft(self) -> Timesheet:
        return self.sheet(self.me, TimesheetStatus.DRAFT)

    @cached_property
    def others_draft(self) -> Timesheet:
        return self.sheet(self.other, TimesheetStatus.DRAFT)

    @cached_property
    def others_submitted(self) -> Timesheet:
        return self.sheet(self.other, TimesheetStatus.SUBMITTED)

    @cached_property
    def others_validated(self) -> Timesheet:
        return self.sheet(self.other, TimesheetStatus.VALIDATED)

    @cached_property
    def others_sent(self) -> Timesheet:
        """A sheet Avantage holds: Gelée, its last batch committed."""
        sheet = self._make_timesheet(
            self.other, self.work, status=TimesheetStatus.FROZEN, week_start=SENT_WEEK
        )
        sheet.last_export = self._add(
            ExportBatch(
                company_id=self.company.id,
                integration_id=self.integration.id,
                status=BatchStatus.COMMITTED,
                avantage_batch="TS-000001",
                finished_at=utcnow(),
            )
        )
        return self._add(sheet)

    @cached_property
    def others_correction(self) -> Timesheet:
        """A validated correction (R1) for a server without reversal lines."""
        sheet = self.others_sent
        db.session.execute(
            db.update(Timesheet)
            .where(Timesheet.id == sheet.id)
            .values(status=TimesheetStatus.VALIDATED, revision=1, in_correction=True)
        )
        self.integration.server_features = ""
        self._add(
            TimesheetRevision(
                company_id=self.company.id,
                timesheet_id=sheet.id,
                number=1,
                reason="Heures du mardi",
                replaces_batch_id=sheet.last_export_id,
            )
        )
        db.session.refresh(sheet)
        return sheet

    @property
    def own_line(self):
        return self.own_draft.hour_lines[0]

    @property
    def others_line(self):
        return self.others_draft.hour_lines[0]

    def _add(self, obj):
        db.session.add(obj)
        db.session.commit()
        return obj

    @cached_property
    def integration(self) -> Integration:
        return self._add(
            Integration(
                company_id=self.company.id,
                external_id="AVANTAGE",
                partner_type=PartnerType.AVANTAGE,
            )
        )

    @cached_property
    def point(self) -> AccessPoint:
        """The integration's default access point (a closed loopback port)."""
        return self._add(
            AccessPoint(
                company_id=self.company.id,
                integration=self.integration,
                host="127.0.0.1",
                port=closed_port(),
                username="portail",
                password_encrypted=crypto.encrypt("secret-du-point"),
                is_default=True,
            )
        )

    @cached_property
    def run(self) -> SyncRun:
        """A finished run of the Métiers section."""
        return self._add(
            SyncRun(
                company_id=self.company.id,
                integration_id=self.integration.id,
                section=SyncSection.TRADES,
                lock_key=f"{self.integration.id}:trades:-",
                active=False,
                status=RunStatus.SUCCEEDED,
                started_at=utcnow(),
                finished_at=utcnow(),
            )
        )

    @cached_property
    def batch(self) -> ExportBatch:
        """An export batch to payroll that failed before reaching Avantage."""
        return self._add(
            ExportBatch(
                company_id=self.company.id,
                integration_id=self.integration.id,
                status=BatchStatus.FAILED,
                finished_at=utcnow(),
            )
        )

    @cached_property
    def remote_trade(self) -> RemoteRecord:
        """Avantage's trade CHARP, as the last sync listed it (not linked yet)."""
        return self._add(
            RemoteRecord(
                company_id=self.company.id,
                integration_id=self.integration.id,
                entity=SyncSection.TRADES,
                key="CHARP",
                data={"code": "CHARP", "name": "Charpentier-menuisier"},
            )
        )


def hour_fields(prefix: str = "hour-new", day: str = "{new_week}") -> dict:
    """The template of a valid hour line form: 8 hours of formwork on ``day``."""
    return {
        f"{prefix}-work_date": day,
        f"{prefix}-project_id": "{project.id}",
        f"{prefix}-activity_id": "{formwork.id}",
        f"{prefix}-trade_id": "{trade.id}",
        f"{prefix}-hour_type_id": "",
        f"{prefix}-hours": "8",
    }


#: A new employee, as a manager fills the form.
NEW_USER = {
    "employee_number": "2001",
    "first_name": "Marie",
    "last_name": "Gagnon",
    "email": "marie.gagnon@exemple.ca",
    "licence": "none",
    "timesheet_permission": "limited",
    "default_trade_id": "",
    "password": "",
}


def user_fields(who: str) -> dict:
    """The template of the employee form holding the current values of ``who`` (no change)."""
    return {
        **{name: f"{{{who}.{name}}}" for name in ("employee_number", "first_name", "last_name")},
        "email": f"{{{who}.email}}",
        "licence": f"{{{who}.licence.value}}",
        "timesheet_permission": f"{{{who}.timesheet_permission.value}}",
        "default_trade_id": "",
        "password": "",
    }


@dataclass
class Case:
    """One request of the table: its endpoint, the rule guarding it, its URL and form templates."""

    endpoint: str
    rule: str
    url: str
    method: str = "GET"
    form: dict = field(default_factory=dict)
    variant: str = ""
    headers: dict = field(default_factory=dict)
    #: Fixtures the request needs beyond the app (e.g. ``rq`` when it queues a job).
    fixtures: tuple[str, ...] = ()
    #: The permitted answer is a redirect to /connexion (signing out).
    signs_out: bool = False

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{self.variant}]" if self.variant else self.endpoint

    @property
    def htmx(self) -> bool:
        return "HX-Request" in self.headers

    def build(self, world: World) -> tuple[str, dict]:
        """The URL and form data, with the world's objects (made now) in them."""
        return world.fill(self.url), world.fill(self.form)


def get(endpoint: str, rule: str, url: str, **options) -> Case:
    return Case(endpoint, rule, url, **options)


def post(endpoint: str, rule: str, url: str, form: dict | None = None, **options) -> Case:
    return Case(endpoint, rule, url, "POST", form or {}, **options)


INTEGRATION = "/parametres/integrations/{integration.id}"
POINT = INTEGRATION + "/points/{point.id}"
ACTIVITY = "/projets/{project.id}/activites/{formwork.id}"
TRADE = "/parametres/metiers/{trade.id}"
OWN_LINE = "/feuilles-de-temps/{own_draft.id}/heures/{own_line.id}"
OTHERS_LINE = "/feuilles-de-temps/{others_draft.id}/heures/{others_line.id}"
PROJECT_INTEGRATION = "/projets/{project.id}/integration/{integration.id}"
BATCH = "/feuilles-de-temps/exportation/lots/{batch.id}"
EXPORT_FORM = {"integration": "{integration.id}", "sheet": ["{others_validated.id}"]}
OTHER = "of another employee"

CASES = [
    # Sign-in, language, sign-out.
    get("auth.login", "public", "/connexion"),
    post("auth.login", "public", "/connexion", {"email": "personne@exemple.ca", "password": "x"},
         variant="POST"),
    post("auth.set_language", "public", "/langue", {"locale": "en_CA"}),
    post("auth.logout", "signed_in", "/deconnexion", signs_out=True),
    get("auth.forgot_password", "public", "/mot-de-passe-oublie"),
    post("auth.forgot_password", "public", "/mot-de-passe-oublie",
         {"email": "personne@exemple.ca"}),
    get("auth.reset_password", "public", "/mot-de-passe/{reset_token}"),
    post("auth.reset_password", "public", "/mot-de-passe/{reset_token}",
         {"password": "un-nouveau-mot-de-passe", "confirmation": "un-nouveau-mot-de-passe"},
         signs_out=True),
    get("home", "signed_in", "/"),
    get("notifications.index", "signed_in", "/notifications/"),
    get("audit_journal.index", "superadmin", "/journal/?categorie=user&du=2026-01-01&q=a"),
    get("audit_journal.export_csv", "superadmin", "/journal/journal.csv?categorie=sync"),
    get("history.index", "ts_admin", "/historique/?type=sync&etat=succeeded&du=2026-01-01"),
    post("notifications.mark_read", "signed_in", "/notifications/lues"),
    post("notifications.email_preference", "signed_in", "/notifications/courriel",
         {"notify_by_email": "y"}),
    # Paramètres: Gestion des licences.
    get("settings.index", "manager", "/parametres/"),
    get("settings.users", "manager", "/parametres/licences"),
    get("settings.users", "manager", "/parametres/licences", variant="htmx",
        headers=hx("user-list")),
    get("settings.user_new", "manager", "/parametres/licences/nouveau"),
    post("settings.user_create", "manager", "/parametres/licences/nouveau", NEW_USER),
    post("settings.user_create", "superadmin", "/parametres/licences/nouveau",
         {**NEW_USER, "licence": "management"}, variant="granting a licence"),
    get("settings.user_edit", "manager", "/parametres/licences/{other.id}"),
    get("settings.user_edit", "superadmin", "/parametres/licences/{other_manager.id}",
        variant="of a manager"),
    post("settings.user_update", "manager", "/parametres/licences/{other.id}",
         {**user_fields("other"), "last_name": "Tremblay-Roy"}),
    post("settings.user_update", "superadmin", "/parametres/licences/{other_manager.id}",
         user_fields("other_manager"), variant="of a manager"),
    post("settings.user_deactivate", "manager", "/parametres/licences/{other.id}/desactiver"),
    post("settings.user_deactivate", "superadmin",
         "/parametres/licences/{other_manager.id}/desactiver", variant="of a manager"),
    post("settings.user_reactivate", "manager", "/parametres/licences/{other.id}/reactiver"),
    post("settings.user_password_link", "superadmin",
         "/parametres/licences/{other.id}/lien-mot-de-passe"),
    post("settings.user_password_email", "superadmin",
         "/parametres/licences/{other.id}/courriel-mot-de-passe",
         fixtures=("rq", "smtp_server")),
    # Paramètres: métiers, types d'heures, dépenses et primes.
    get("settings.catalog_list", "manager", "/parametres/metiers"),
    get("settings.catalog_list", "manager", "/parametres/depenses-primes",
        variant="depenses-primes, htmx", headers=hx("catalog-list")),
    post("settings.catalog_create", "manager", "/parametres/types-heures",
         {"code": "T2", "name": "Temps double", "active": "y"}),
    post("settings.catalog_create", "manager", "/parametres/metiers",
         {"code": "PLOMB", "name": "Plombier", "active": "y"}, variant="htmx",
         headers=hx("catalog-list")),
    get("settings.suppliers_list", "manager", "/parametres/fournisseurs?q=a"),
    get("settings.suppliers_list", "manager", "/parametres/fournisseurs?page=2",
        variant="htmx", headers=hx("supplier-list")),
    get("settings.catalog_row", "manager", TRADE),
    get("settings.catalog_edit", "manager", TRADE + "/modifier"),
    post("settings.catalog_update", "manager", TRADE,
         {"code": "CHARP", "name": "Charpentier", "active": "y"}, headers=HTMX),
    # Projets and Admin du projet.
    get("project_admin.index", "manager", "/projets/"),
    get("project_admin.new", "manager", "/projets/nouveau"),
    post("project_admin.create", "manager", "/projets/nouveau",
         {"number": "24-102", "name": "Garage Roy", "status": "active"}),
    get("project_admin.show", "manager", "/projets/{project.id}"),
    get("project_admin.orders", "manager", "/projets/{project.id}/bons-de-commande"),
    get("project_admin.orders", "manager", "/projets/{project.id}/bons-de-commande?page=2",
        variant="htmx", headers=hx("project-orders")),
    get("project_admin.edit", "manager", "/projets/{project.id}/modifier"),
    post("project_admin.update", "manager", "/projets/{project.id}",
         {"number": "24-101", "name": "Résidence Tremblay", "status": "active"}),
    post("project_admin.activity_create", "manager", "/projets/{project.id}/activites",
         {"activite-code": "09-100", "activite-name": "Finition"}),
    get("project_admin.activity_row", "manager", ACTIVITY),
    get("project_admin.activity_edit", "manager", ACTIVITY + "/modifier"),
    post("project_admin.activity_update", "manager", ACTIVITY,
         {"activite-{formwork.id}-code": "03-100",
          "activite-{formwork.id}-name": "Coffrage des murs"}),
    post("project_admin.activity_deactivate", "manager", ACTIVITY + "/desactiver"),
    post("project_admin.activity_reactivate", "manager", ACTIVITY + "/reactiver"),
    # Admin du projet → Configuration d'intégrations (Superadmins).
    get("project_admin.integration_config", "superadmin",
        "/projets/{project.id}/integration?integration={integration.id}"),
    get("project_admin.avantage_projects", "superadmin",
        PROJECT_INTEGRATION + "/projets-avantage?q=24", headers=HTMX),
    post("project_admin.link", "superadmin", PROJECT_INTEGRATION + "/lien",
         {"avantage_project": "24-101"}, headers=HTMX),
    post("project_admin.unlink", "superadmin", PROJECT_INTEGRATION + "/lien/supprimer",
         headers=HTMX),
    get("project_admin.sync_section", "superadmin", PROJECT_INTEGRATION + "/activites"),
    get("project_admin.sync_section", "superadmin", PROJECT_INTEGRATION + "/bons-de-commande",
        variant="bons-de-commande"),
    get("project_admin.sync_section", "superadmin", PROJECT_INTEGRATION + "/bons-de-commande",
        variant="bons-de-commande, htmx table", headers=hx("project-sync-table")),
    post("project_admin.sync_start", "superadmin", PROJECT_INTEGRATION + "/budget",
         headers=HTMX),
    post("project_admin.schedule_save", "superadmin",
         PROJECT_INTEGRATION + "/bons-de-commande/planification", {"mode": "hourly"},
         headers=HTMX),
    post("project_admin.schedule_resume", "superadmin",
         PROJECT_INTEGRATION + "/budget/planification/reprendre"),
    get("project_admin.sync_history", "superadmin",
        PROJECT_INTEGRATION + "/activites/historique", headers=HTMX),
    # Autres intégrations, access points, Synchroniser, runs (Superadmins).
    get("settings.integration_list", "superadmin", "/parametres/integrations"),
    post("settings.integration_create", "superadmin", "/parametres/integrations",
         {"external_id": "AVANTAGE-2", "partner_type": "avantage"}),
    get("settings.integration_detail", "superadmin", INTEGRATION),
    get("settings.setup_guide", "superadmin", INTEGRATION + "/guide"),
    get("settings.setup_checklist_region", "superadmin", INTEGRATION + "/mise-en-route"),
    get("settings.access_point_new", "superadmin", INTEGRATION + "/points/nouveau"),
    get("settings.access_point_edit", "superadmin", POINT + "/modifier"),
    post("settings.access_point_save", "superadmin", INTEGRATION + "/points",
         {"url": "tcp://127.0.0.1:2131", "username": "portail", "password": "secret-123"},
         variant="new"),
    post("settings.access_point_save", "superadmin", POINT,
         {"url": "tcp://127.0.0.1:2132", "username": "portail"}, headers=HTMX),
    post("settings.access_point_default", "superadmin", POINT + "/defaut", headers=HTMX),
    post("settings.access_point_delete", "superadmin", POINT + "/supprimer", headers=HTMX),
    post("settings.access_point_test", "superadmin", POINT + "/tester", headers=HTMX),
    get("company_sync.section", "superadmin", INTEGRATION + "/synchro/metiers"),
    get("company_sync.section", "superadmin", INTEGRATION + "/synchro/fournisseurs",
        variant="fournisseurs"),
    get("company_sync.section", "superadmin", INTEGRATION + "/synchro/bons-de-commande?q=BC",
        variant="bons-de-commande"),
    get("company_sync.section", "superadmin", INTEGRATION + "/synchro/bons-de-commande",
        variant="bons-de-commande, htmx", headers=hx("sync-console")),
    get("company_sync.section", "superadmin", INTEGRATION + "/synchro/employes",
        variant="htmx console", headers=hx("sync-console")),
    # The run needs the integration's default access point: {point…} makes it.
    post("company_sync.start", "superadmin",
         "/parametres/integrations/{point.integration_id}/synchro/metiers",
         {"preview": "y"}, headers=HTMX, fixtures=("rq",)),
    get("company_sync.history", "superadmin", INTEGRATION + "/synchro/metiers/historique",
        headers=HTMX),
    get("company_sync.choices", "superadmin",
        INTEGRATION + "/synchro/employes/choix?cible=link-1&q=a", headers=HTMX),
    post("company_sync.link", "superadmin", INTEGRATION + "/synchro/metiers/liens",
         {"remote_key": "{remote_trade.key}", "local_id": "{trade.id}"}),
    post("company_sync.schedule_save", "superadmin", INTEGRATION + "/synchro/metiers/planification",
         {"mode": "daily", "daily_at": "06:00"}, headers=HTMX),
    post("company_sync.schedule_resume", "superadmin",
         INTEGRATION + "/synchro/metiers/planification/reprendre", headers=HTMX),
    post("company_sync.schedule_acknowledge", "superadmin",
         INTEGRATION + "/synchro/planification/vu"),
    post("settings.time_zone_save", "superadmin", "/parametres/fuseau-horaire",
         {"time_zone": "America/Halifax"}),
    get("company_sync.chain", "superadmin", INTEGRATION + "/synchro/tout"),
    get("company_sync.chain", "superadmin", INTEGRATION + "/synchro/tout?poll=1",
        variant="htmx poll", headers=hx("sync-chain")),
    post("company_sync.start_all", "superadmin",
         "/parametres/integrations/{point.integration_id}/synchro/tout", headers=HTMX,
         fixtures=("rq",)),
    get("runs.progress", "superadmin", "/synchro/executions/{run.id}?poll=1", headers=HTMX),
    post("runs.cancel", "superadmin", "/synchro/executions/{run.id}/annuler", headers=HTMX),
    get("runs.details", "superadmin", "/synchro/executions/{run.id}/details"),
    get("runs.details_csv", "superadmin", "/synchro/executions/{run.id}/details.csv"),
    # Feuilles de temps.
    get("timesheets.index", "signed_in", "/feuilles-de-temps/?statut=submitted"),
    get("timesheets.open_week", "signed_in", "/feuilles-de-temps/semaine"),
    get("timesheets.activity_options", "signed_in",
        "/feuilles-de-temps/activites?prefix=hour-new-&hour-new-project_id={project.id}",
        headers=HTMX),
    get("timesheets.employee_options", "reviewer",
        "/feuilles-de-temps/employes/options?recherche=a&cible=employe&employe={other.id}",
        headers=HTMX),
    get("timesheets.expense_value_field", "signed_in",
        "/feuilles-de-temps/valeur-depense?prefix=expense-new-"
        "&expense-new-expense_type_id={km.id}", headers=HTMX),
    get("timesheets.week", "signed_in", "/feuilles-de-temps/employes/{me.id}/{draft_week}"),
    get("timesheets.week", "reviewer", "/feuilles-de-temps/employes/{other.id}/{draft_week}",
        variant=OTHER),
    get("timesheets.week", "reviewer", "/feuilles-de-temps/employes/{other.id}/{draft_week}",
        variant=f"{OTHER}, htmx", headers=hx("sheet")),
    get("timesheets.sheet", "signed_in", "/feuilles-de-temps/{own_draft.id}"),
    get("timesheets.sheet", "reviewer", "/feuilles-de-temps/{others_draft.id}", variant=OTHER),
    get("timesheets.sheet", "reviewer", "/feuilles-de-temps/{others_correction.id}",
        variant=f"{OTHER}, in correction"),
    post("timesheets.line_create", "signed_in",
         "/feuilles-de-temps/employes/{me.id}/{new_week}/heures", hour_fields()),
    post("timesheets.line_create", "reviewer",
         "/feuilles-de-temps/employes/{other.id}/{new_week}/heures", hour_fields(),
         variant=OTHER),
    get("timesheets.revisions", "signed_in", "/feuilles-de-temps/{own_draft.id}/corrections",
        variant="htmx", headers=hx("sheet-revisions")),
    get("timesheets.revisions", "reviewer", "/feuilles-de-temps/{others_draft.id}/corrections",
        variant=f"{OTHER}, htmx", headers=hx("sheet-revisions")),
    get("timesheets.line_row", "signed_in", OWN_LINE),
    get("timesheets.line_row", "reviewer", OTHERS_LINE, variant=f"{OTHER}, htmx",
        headers=HTMX),
    get("timesheets.line_edit", "signed_in", OWN_LINE + "/modifier"),
    get("timesheets.line_edit", "reviewer", OTHERS_LINE + "/modifier", variant=OTHER),
    post("timesheets.line_update", "signed_in", OWN_LINE,
         hour_fields("hour-{own_line.id}", "{draft_week}")),
    post("timesheets.line_update", "reviewer", OTHERS_LINE,
         hour_fields("hour-{others_line.id}", "{draft_week}"), variant=OTHER),
    post("timesheets.line_delete", "signed_in", OWN_LINE + "/supprimer"),
    post("timesheets.line_delete", "reviewer", OTHERS_LINE + "/supprimer", variant=OTHER),
    post("timesheets.submit", "signed_in", "/feuilles-de-temps/{own_draft.id}/soumettre"),
    post("timesheets.submit", "reviewer", "/feuilles-de-temps/{others_draft.id}/soumettre",
         variant=OTHER),
    post("timesheets.validate", "reviewer", "/feuilles-de-temps/{others_submitted.id}/valider"),
    post("timesheets.validate", "reviewer", "/feuilles-de-temps/{others_submitted.id}/valider",
         variant="htmx", headers=hx("sheet")),
    post("timesheets.reject", "reviewer", "/feuilles-de-temps/{others_submitted.id}/rejeter",
         {"reason": "Il manque les heures de mardi."}),
    post("timesheets.freeze", "ts_admin", "/feuilles-de-temps/{others_validated.id}/geler"),
    post("timesheets.unfreeze", "ts_admin", "/feuilles-de-temps/{others_sent.id}/degeler",
         {"reason": "Heures du mardi mal saisies"}, headers=hx("sheet")),
    post("timesheets.corrected_outside", "ts_admin",
         "/feuilles-de-temps/{others_correction.id}/corrigee-dans-avantage", headers=hx("sheet")),
    # Exportation vers la paie (timesheet Admin).
    get("timesheets.export_index", "ts_admin",
        "/feuilles-de-temps/exportation?integration={integration.id}"),
    post("timesheets.export_preview", "ts_admin", "/feuilles-de-temps/exportation/apercu",
         EXPORT_FORM, headers=HTMX),
    post("timesheets.export_send", "ts_admin", "/feuilles-de-temps/exportation/envoyer",
         EXPORT_FORM, headers=HTMX),
    post("timesheets.export_preview_csv", "ts_admin", "/feuilles-de-temps/exportation/apercu.csv",
         EXPORT_FORM),
    get("timesheets.export_batches", "ts_admin", "/feuilles-de-temps/exportation/lots"),
    get("timesheets.export_batch", "ts_admin", BATCH),
    get("timesheets.reconciliation_section", "ts_admin", BATCH + "/rapprochement"),
    get("timesheets.reconciliation_section", "ts_admin", BATCH + "/rapprochement",
        variant="htmx", headers=hx("reconciliation")),
    post("timesheets.reconcile", "ts_admin", BATCH + "/rapprocher", headers=HTMX,
         fixtures=("rq",)),
    get("timesheets.export_batch_csv", "ts_admin", BATCH + "/csv"),
    get("timesheets.export_progress", "ts_admin", BATCH + "/progression?poll=1", headers=HTMX),
    post("timesheets.export_resume", "ts_admin", BATCH + "/reprendre", headers=HTMX),
    post("timesheets.export_resend_valid", "ts_admin", BATCH + "/valides", headers=HTMX),
]  # fmt: skip


def snapshot() -> dict[str, list]:
    """Every row of every table, as committed (what a refused request must leave alone)."""
    db.session.rollback()  # forget what a refused request may have left pending in the session
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
    }
