"""Links between Avantage records and the portal's: the console rows, manual link and unlink."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from portal.errors import NotFoundError, ValidationError
from portal.models import (
    Activity,
    ExpenseType,
    HourType,
    Integration,
    LinkMethod,
    Project,
    RecordLink,
    RemoteRecord,
    SyncSection,
    Trade,
    User,
    db,
)
from portal.models.base import get_in_company
from portal.services import audit
from portal.services.text import clean, normalise_code, normalise_employee_number

#: The portal model behind each section.
LOCAL_MODELS: dict[SyncSection, type] = {
    SyncSection.EMPLOYEES: User,
    SyncSection.TRADES: Trade,
    SyncSection.PROJECTS: Project,
    SyncSection.HOUR_TYPES: HourType,
    SyncSection.EARNINGS: ExpenseType,
    SyncSection.ACTIVITIES: Activity,
}

#: Console states, in the order the filter lists them.
STATES = ("linked", "created", "avantage_only", "portal_only", "removed")


def local_key(section: SyncSection, local: Any) -> str:
    """What a portal record is matched on, normalised."""
    if section == SyncSection.EMPLOYEES:
        return normalise_employee_number(local.employee_number)
    if section == SyncSection.PROJECTS:
        return normalise_code(local.number)
    return normalise_code(local.code)


def remote_match_key(section: SyncSection, remote_key: str) -> str:
    if section == SyncSection.EMPLOYEES:
        return normalise_employee_number(remote_key)
    if section == SyncSection.ACTIVITIES:
        return normalise_code(remote_key.split("|", 1)[-1])
    return normalise_code(remote_key)


def local_label(section: SyncSection, local: Any) -> str:
    if section == SyncSection.EMPLOYEES:
        return f"{local.employee_number or '—'} — {local.full_name}"
    if section == SyncSection.PROJECTS:
        return local.label
    return f"{local.code} — {local.name}"


@dataclass
class ConsoleRow:
    state: str
    remote_key: str | None = None
    remote: dict | None = None
    local: Any = None
    method: LinkMethod | None = None
    #: A portal record that matches an unlinked Avantage row (projects: same number).
    suggestion: Any = None


def _locals(section: SyncSection, company_id: int, scope_project: Project | None) -> list:
    model = LOCAL_MODELS[section]
    query = db.select(model).where(model.company_id == company_id)
    if section == SyncSection.ACTIVITIES and scope_project is not None:
        query = query.where(Activity.project_id == scope_project.id)
    return list(db.session.scalars(query))


def console_rows(
    integration: Integration,
    section: SyncSection,
    *,
    scope: str = "",
    scope_project: Project | None = None,
) -> list[ConsoleRow]:
    """Both sides of a section, one row per Avantage record and per unlinked portal record."""
    remotes = db.session.scalars(
        db.select(RemoteRecord)
        .where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == section,
            RemoteRecord.scope == scope,
        )
        .order_by(RemoteRecord.key)
    ).all()
    links = {
        link.remote_key: link
        for link in db.session.scalars(
            db.select(RecordLink).where(
                RecordLink.integration_id == integration.id, RecordLink.entity == section
            )
        )
    }
    locals_by_id = {
        local.id: local for local in _locals(section, integration.company_id, scope_project)
    }
    linked_ids = {link.local_id for link in links.values() if link.local_id is not None}
    unlinked = {
        local_key(section, local): local
        for local in locals_by_id.values()
        if local.id not in linked_ids
    }
    rows = []
    for record in remotes:
        link = links.get(record.key)
        local = locals_by_id.get(link.local_id) if link and link.local_id else None
        if local is not None:
            state = (
                "removed"
                if record.removed_at is not None
                else "created"
                if link.method == LinkMethod.CREATED
                else "linked"
            )
            rows.append(ConsoleRow(state, record.key, record.data, local, link.method))
        elif record.removed_at is None:
            suggestion = unlinked.get(remote_match_key(section, record.key))
            rows.append(ConsoleRow("avantage_only", record.key, record.data, suggestion=suggestion))
    rows += [ConsoleRow("portal_only", local=local) for local in unlinked.values()]
    return rows


def filter_rows(
    rows: list[ConsoleRow], section: SyncSection, *, state: str = "", search: str = ""
) -> list[ConsoleRow]:
    term = clean(search).casefold()
    if state in STATES:
        rows = [row for row in rows if row.state == state]
    if term:
        rows = [row for row in rows if term in _haystack(section, row)]
    return rows


def _haystack(section: SyncSection, row: ConsoleRow) -> str:
    parts = [row.remote_key or "", *(str(value) for value in (row.remote or {}).values())]
    if row.local is not None:
        parts.append(local_label(section, row.local))
    return " ".join(parts).casefold()


def get_local(section: SyncSection, company_id: int, local_id: int | None) -> Any:
    local = get_in_company(LOCAL_MODELS[section], company_id, local_id)
    if local is None:
        raise NotFoundError(_("Choisissez un élément du portail dans la liste."))
    return local


def _remote(integration: Integration, section: SyncSection, remote_key: str) -> RemoteRecord:
    record = db.session.scalar(
        db.select(RemoteRecord).where(
            RemoteRecord.integration_id == integration.id,
            RemoteRecord.entity == section,
            RemoteRecord.key == remote_key,
        )
    )
    if record is None:
        raise NotFoundError(
            _("Cet enregistrement d'Avantage n'est pas connu : synchronisez d'abord la section.")
        )
    return record


def _link_row(integration: Integration, section: SyncSection, remote_key: str) -> RecordLink:
    """The link row of an Avantage record, added to the session when there is none yet."""
    link = db.session.scalar(
        db.select(RecordLink).where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == section,
            RecordLink.remote_key == remote_key,
        )
    )
    if link is None:
        link = RecordLink(
            company_id=integration.company_id,
            integration_id=integration.id,
            entity=section,
            remote_key=remote_key,
            # Valid as soon as it is added: the caller's next attribute read may autoflush it.
            method=LinkMethod.MANUAL,
        )
        db.session.add(link)
    return link


def link_manually(
    integration: Integration, section: SyncSection, remote_key: str, local: Any, actor: User
) -> RecordLink:
    """Link an Avantage record to a portal record by hand; later syncs keep this link."""
    record = _remote(integration, section, remote_key)
    if section == SyncSection.EARNINGS and local.kind.value != record.data.get("kind"):
        raise ValidationError(message=kind_mismatch(local, record.data))
    taken = db.session.scalar(
        db.select(RecordLink).where(
            RecordLink.integration_id == integration.id,
            RecordLink.entity == section,
            RecordLink.local_id == local.id,
            RecordLink.remote_key != remote_key,
        )
    )
    if taken is not None:
        raise ValidationError(
            message=_(
                "« %(local)s » est déjà lié à %(remote)s dans Avantage. Déliez-le d'abord.",
                local=local_label(section, local),
                remote=clean(taken.remote_key),
            )
        )
    link = _link_row(integration, section, remote_key)
    link.local_id, link.method, link.linked_by_id = local.id, LinkMethod.MANUAL, actor.id
    db.session.flush()
    audit.record(
        integration.company_id,
        actor,
        "link.create",
        link,
        f"{section.label} : {clean(remote_key)} ↔ {local_label(section, local)}",
        section=section.value,
        remote_key=remote_key,
        local_id=local.id,
    )
    return link


def unlink(integration: Integration, section: SyncSection, remote_key: str, actor: User) -> None:
    """Keep this Avantage record unlinked: later syncs will not match it again."""
    _remote(integration, section, remote_key)
    link = _link_row(integration, section, remote_key)
    previous = link.local_id
    link.local_id, link.method, link.linked_by_id = None, LinkMethod.MANUAL, actor.id
    db.session.flush()
    audit.record(
        integration.company_id,
        actor,
        "link.delete",
        link,
        f"{section.label} : {clean(remote_key)} délié",
        section=section.value,
        remote_key=remote_key,
        previous_local_id=previous,
    )


def kind_mismatch(local: ExpenseType, remote: dict) -> str:
    return _(
        "Impossible : « %(local)s » est de nature « %(local_kind)s » alors que %(code)s dans "
        "Avantage est de nature « %(remote_kind)s ». Une ligne de dépense porterait la mauvaise "
        "valeur. Choisissez un type de même nature.",
        local=f"{local.code} — {local.name}",
        local_kind=local.kind.label,
        code=remote.get("code"),
        remote_kind=_remote_kind_label(remote.get("kind")),
    )


def _remote_kind_label(kind: str | None) -> str:
    from portal.models import ExpenseKind

    try:
        return str(ExpenseKind(kind).label)
    except ValueError:
        return str(kind)


def linked_local_ids(integration: Integration, section: SyncSection) -> dict[int, str]:
    """Portal id → Avantage key, for the linked records of a section."""
    return {
        link.local_id: link.remote_key
        for link in db.session.scalars(
            db.select(RecordLink).where(
                RecordLink.integration_id == integration.id,
                RecordLink.entity == section,
                RecordLink.local_id.is_not(None),
            )
        )
    }


def console_choices(
    integration: Integration, section: SyncSection, limit: int = 500
) -> list[tuple[int, str]]:
    """The portal records a row can be linked to: every active one for the mapping grids,
    the still unlinked ones elsewhere."""
    records = _locals(section, integration.company_id, None)
    if section in (SyncSection.HOUR_TYPES, SyncSection.EARNINGS):
        records = [record for record in records if record.active]
    else:
        linked = set(linked_local_ids(integration, section))
        records = [record for record in records if record.id not in linked]
    choices = sorted((local_label(section, record), record.id) for record in records)
    return [(record_id, label) for label, record_id in choices[:limit]]
