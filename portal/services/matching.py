"""Links between Avantage records and the portal's: what a record is matched on, manual
link and unlink."""

from __future__ import annotations

from typing import Any

from portal.errors import NotFoundError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    Activity,
    ExpenseType,
    HourType,
    Integration,
    LinkMethod,
    Project,
    RecordLink,
    RemoteRecord,
    Supplier,
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
    SyncSection.SUPPLIERS: Supplier,
}


def local_key(section: SyncSection, local: Any) -> str:
    """What a portal record is matched on, normalised."""
    if section == SyncSection.EMPLOYEES:
        return normalise_employee_number(local.employee_number)
    if section == SyncSection.PROJECTS:
        return normalise_code(local.number)
    return normalise_code(local.code)


def local_label(section: SyncSection, local: Any) -> str:
    if section == SyncSection.EMPLOYEES:
        return f"{local.employee_number or '—'} — {local.full_name}"
    if section == SyncSection.PROJECTS:
        return local.label
    return f"{local.code} — {local.name}"


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
