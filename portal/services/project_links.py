"""Admin du projet → Configuration d'intégrations: a portal project linked to its Avantage
project (one to one, by hand), the dropdown of Avantage's projects, and the Avantage project
that the per-project syncs (activities, budget) list."""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import NotFoundError, PortalError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    Integration,
    Project,
    RecordLink,
    RemoteRecord,
    SyncSection,
    User,
    db,
)
from portal.services import matching, runs
from portal.services.project_options import AvantageProject, ProjectOptions, normalise_name
from portal.services.text import clean, normalise_code

PROJECTS = SyncSection.PROJECTS
#: How many Avantage projects the dropdown lists at once; the search narrows the others.
MAX_OPTIONS = 50
#: Longer searches match nothing useful.
MAX_SEARCH_LENGTH = 100


@dataclass
class LinkState:
    """What the Configuration d'intégrations section shows for one integration."""

    integration: Integration
    #: The linked Avantage project as last listed, or None.
    record: RemoteRecord | None
    #: Whether the company sync of Projets has brought Avantage's project list yet.
    listed: bool
    options: ProjectOptions

    @property
    def closed_warning(self) -> str | None:
        return closed_warning(self.record) if self.record is not None else None


def default_integration(project: Project, integrations: list[Integration]) -> Integration | None:
    """The integration the project is linked in, else the company's only one."""
    for integration in integrations:
        if project_link(integration, project) is not None:
            return integration
    return integrations[0] if len(integrations) == 1 else None


def project_link(integration: Integration, project: Project) -> RecordLink | None:
    """The link of ``project`` to an Avantage project in ``integration``, if any."""
    return db.session.scalar(
        db.select(RecordLink).where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == PROJECTS,
            RecordLink.local_id == project.id,
        )
    )


def linked_integration(company_id: int, project: Project) -> tuple[Integration, str] | None:
    """The first integration (by identifiant externe) where ``project`` is linked, and the
    Avantage project id it is linked to."""
    row = db.session.execute(
        db.select(Integration, RecordLink.remote_key)
        .join(RecordLink, RecordLink.integration_id == Integration.id)
        .where(
            Integration.company_id == company_id,
            RecordLink.entity == PROJECTS,
            RecordLink.local_id == project.id,
        )
        .order_by(Integration.external_id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def remote_project_id(integration: Integration, project: Project | None) -> str:
    """The Avantage project that ``project``'s activities and budget are listed from.

    Raises PortalError when the project is not linked: nothing can be synchronised then.
    """
    link = project_link(integration, project) if project is not None else None
    if link is None:
        raise PortalError(
            _(
                "Le projet %(number)s n'est lié à aucun projet d'Avantage dans l'intégration "
                "%(integration)s : choisissez d'abord son identifiant dans Admin du projet → "
                "Configuration d'intégrations, puis synchronisez.",
                number=project.number if project is not None else "—",
                integration=integration.external_id,
            )
        )
    return link.remote_key


def link_state(
    integration: Integration, project: Project, *, search: str = "", chosen: str | None = None
) -> LinkState:
    """The project's link in ``integration`` and the dropdown filtered by ``search``."""
    link = project_link(integration, project)
    record = _record(integration, link.remote_key) if link is not None else None
    options = avantage_projects(integration, project, search=search, chosen=chosen)
    listed = options.total > 0 or _listed(integration)
    return LinkState(integration, record, listed, options)


def _listed(integration: Integration) -> bool:
    has_records = db.session.scalar(
        db.select(RemoteRecord.id)
        .where(RemoteRecord.integration_id == integration.id, RemoteRecord.entity == PROJECTS)
        .limit(1)
    )
    return has_records is not None or runs.last_success(integration, PROJECTS) is not None


def avantage_projects(
    integration: Integration, project: Project, *, search: str = "", chosen: str | None = None
) -> ProjectOptions:
    """Avantage's projects (not removed) whose id or name contains ``search``, the one whose
    number matches the portal project's first; preselected only when the names match too."""
    term = clean(search)[:MAX_SEARCH_LENGTH].casefold()
    number, project_name = normalise_code(project.number), normalise_name(project.name)
    holders = _holders(integration)
    options = []
    for record in db.session.scalars(
        db.select(RemoteRecord)
        .where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == PROJECTS,
            RemoteRecord.removed_at.is_(None),
        )
        .order_by(RemoteRecord.key)
    ):
        name = clean(record.data.get("name"))
        if term and term not in normalise_code(record.key) and term not in name.casefold():
            continue
        holder = holders.get(record.key)
        suggested = normalise_code(record.key) == number
        options.append(
            AvantageProject(
                id=record.key,
                name=name,
                customer=clean(record.data.get("customer")),
                status=str(record.data.get("status") or ""),
                suggested=suggested,
                name_differs=suggested and normalise_name(name) != project_name,
                holder=holder if holder is not None and holder.id != project.id else None,
                current=holder is not None and holder.id == project.id,
            )
        )
    options.sort(key=lambda option: not option.suggested)  # stable: then by id
    shown = options[:MAX_OPTIONS]
    ids = {option.id for option in shown}
    current = next((option.id for option in options if option.current), None)
    suggested = next(
        (option.id for option in shown if option.suggested and not option.name_differs), None
    )
    selected = next((key for key in (chosen, current, suggested) if key in ids), None)
    return ProjectOptions(shown, len(options), selected)


def _holders(integration: Integration) -> dict[str, Project]:
    """Avantage project id → the portal project linked to it."""
    rows = db.session.execute(
        db.select(RecordLink.remote_key, Project)
        .join(Project, Project.id == RecordLink.local_id)
        .where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == PROJECTS,
            Project.company_id == integration.company_id,
        )
    )
    return {remote_key: project for remote_key, project in rows}


def _record(integration: Integration, remote_id: str) -> RemoteRecord | None:
    return db.session.scalar(
        db.select(RemoteRecord).where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == PROJECTS,
            RemoteRecord.key == remote_id,
        )
    )


def closed_warning(record: RemoteRecord) -> str | None:
    """Why linking a closed Avantage project is allowed but no time can be sent to it."""
    if record.data.get("status") != "closed":
        return None
    return _(
        "Le projet %(id)s est fermé dans Avantage : le temps ne pourra pas y être envoyé "
        "(Avantage refuse les lignes d'un projet fermé, CLOSED_PROJECT). Rouvrez-le dans "
        "Avantage avant d'exporter les heures, ou liez un autre projet.",
        id=record.key,
    )


def link_project(
    integration: Integration, project: Project, remote_id: str, actor: User
) -> str | None:
    """Link ``project`` to the Avantage project ``remote_id`` (relink if it had another one).

    An Avantage project is linked to one portal project only. Returns a warning when the
    Avantage project is closed (the link is made anyway).
    """
    _same_company(integration, project)
    record = _record(integration, remote_id)
    if record is None or record.removed_at is not None:
        raise ValidationError(
            {"avantage_project": _("Choisissez un projet d'Avantage dans la liste.")}
        )
    holder = _holders(integration).get(remote_id)
    if holder is not None and holder.id != project.id:
        raise ValidationError(
            {
                "avantage_project": _(
                    "Le projet %(id)s d'Avantage est déjà lié au projet « %(holder)s » du "
                    "portail. Déliez-le d'abord dans l'admin de ce projet, ou choisissez-en "
                    "un autre.",
                    id=remote_id,
                    holder=holder.label,
                )
            }
        )
    current = project_link(integration, project)
    if current is None or current.remote_key != remote_id:
        if current is not None:
            _unlink(integration, current.remote_key, actor)
        matching.link_manually(integration, PROJECTS, remote_id, project, actor)
    return closed_warning(record)


def unlink_project(integration: Integration, project: Project, actor: User) -> str:
    """Remove the project's link; its activities stay. Returns the Avantage id it had."""
    _same_company(integration, project)
    current = project_link(integration, project)
    if current is None:
        raise ValidationError(
            {"avantage_project": _("Ce projet n'est lié à aucun projet d'Avantage.")}
        )
    remote_id = current.remote_key
    _unlink(integration, remote_id, actor)
    return remote_id


def _unlink(integration: Integration, remote_id: str, actor: User) -> None:
    """Unlink the Avantage project (audited) and forget the links of its activities, so that
    the next portal project linked to it matches them afresh."""
    matching.unlink(integration, PROJECTS, remote_id, actor)
    db.session.execute(
        db.delete(RecordLink).where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == SyncSection.ACTIVITIES,
            RecordLink.remote_key.startswith(f"{remote_id}|", autoescape=True),
        )
    )


def needs_full_run(integration: Integration, section: SyncSection, project: Project) -> bool:
    """True when the project was (re)linked after its last successful run of ``section``:
    an incremental run would miss the records of the newly linked Avantage project."""
    last = runs.last_success(integration, section, project)
    link = project_link(integration, project)
    return last is not None and link is not None and link.updated_at > last.created_at


def _same_company(integration: Integration, project: Project) -> None:
    if integration.company_id != project.company_id:
        raise NotFoundError()
