"""Autres intégrations: integrations, their access points, and which one is the default."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from portal import crypto
from portal.errors import NotFoundError, ValidationError
from portal.i18n import gettext as _
from portal.models import (
    AccessPoint,
    Integration,
    PartnerType,
    RecordLink,
    SyncRun,
    SyncSection,
    User,
    db,
)
from portal.models.base import get_in_company
from portal.services import audit, avantage_access
from portal.services.fields import required_text
from portal.services.text import clean

#: The encryption passwords MainTCP accepts: 40 bits (5 characters) or 128 bits (16).
ENCRYPTION_KEY_LENGTHS = (5, 16)
#: An address that names no server: empty, or nothing but ``tcp://`` and a port.
_NO_SERVER = re.compile(r"(?i:tcp://)?(?::[0-9]*)?")


@dataclass
class AccessPointData:
    """The access point form. Empty secrets keep the stored value on edit (write-only)."""

    url: str
    username: str
    password: str = ""
    encryption_key: str = ""
    remove_encryption_key: bool = False


def list_integrations(company_id: int) -> list[Integration]:
    return list(
        db.session.scalars(
            db.select(Integration)
            .where(Integration.company_id == company_id)
            .order_by(Integration.external_id)
        )
    )


def get_integration(company_id: int, integration_id: int) -> Integration:
    integration = get_in_company(Integration, company_id, integration_id)
    if integration is None:
        raise NotFoundError()
    return integration


def get_access_point(integration: Integration, point_id: int) -> AccessPoint:
    point = get_in_company(AccessPoint, integration.company_id, point_id)
    if point is None or point.integration_id != integration.id:
        raise NotFoundError()
    return point


def create_integration(
    company_id: int, actor: User, external_id: str, partner_type: str
) -> Integration:
    """Add an integration; the Identifiant externe is trimmed and unique in the company."""
    errors: dict[str, str] = {}
    external_id = required_text(
        errors,
        "external_id",
        external_id,
        limit=60,
        missing=_("Entrez un identifiant externe, par exemple « AVANTAGE-QC »."),
    )
    if "external_id" not in errors and db.session.scalar(
        db.select(Integration.id).where(
            Integration.company_id == company_id,
            sa.func.lower(Integration.external_id) == external_id.lower(),
        )
    ):
        errors["external_id"] = _(
            "L'identifiant « %(id)s » est déjà utilisé par une autre intégration de la compagnie.",
            id=external_id,
        )
    if partner_type not in {member.value for member in PartnerType}:
        errors["partner_type"] = _("Choisissez le type de partenaire dans la liste.")
    if errors:
        raise ValidationError(errors)
    integration = Integration(
        company_id=company_id, external_id=external_id, partner_type=PartnerType(partner_type)
    )
    db.session.add(integration)
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "integration.create",
        integration,
        _("Intégration %(id)s ajoutée", id=external_id),
        partner_type=partner_type,
    )
    return integration


def _validate_point(
    data: AccessPointData, point: AccessPoint | None, allow_private: bool
) -> tuple[dict[str, str], tuple[str, int] | None]:
    errors: dict[str, str] = {}
    address = None
    if _NO_SERVER.fullmatch(data.url.strip()):
        errors["url"] = _(
            "Entrez l'adresse du serveur Avantage, par exemple tcp://serveur.exemple.ca:2131."
        )
    else:
        try:
            address = avantage_access.parse_address(data.url, allow_private=allow_private)
        except avantage_access.AccessPointAddressError as error:
            errors["url"] = error.message
    required_text(
        errors,
        "username",
        data.username,
        limit=80,
        missing=_("Entrez l'utilisateur Avantage créé pour le portail."),
    )
    if point is None and not data.password:
        errors["password"] = _("Entrez le mot de passe de cet utilisateur Avantage.")
    elif len(data.password) > 128:
        errors["password"] = _("Maximum %(n)d caractères.", n=128)
    if data.encryption_key and len(data.encryption_key) not in ENCRYPTION_KEY_LENGTHS:
        errors["encryption_key"] = _(
            "La clé de chiffrement de MainTCP a 5 caractères (40 bits) ou 16 caractères "
            "(128 bits); celle-ci en a %(n)d. Recopiez-la telle qu'affichée dans MainTCP.",
            n=len(data.encryption_key),
        )
    return errors, address


def save_access_point(
    company_id: int,
    actor: User,
    integration: Integration,
    data: AccessPointData,
    point: AccessPoint | None = None,
    *,
    allow_private: bool,
) -> AccessPoint:
    """Add or change an access point; the first one of an integration becomes its default."""
    errors, address = _validate_point(data, point, allow_private)
    if errors:
        raise ValidationError(errors)
    created = point is None
    if created:
        point = AccessPoint(
            company_id=company_id, integration=integration, is_default=not integration.access_points
        )
        db.session.add(point)
    changes = []
    if (point.host, point.port) != address:
        changes.append("url")
    point.host, point.port = address
    if point.username != clean(data.username):
        changes.append("username")
    point.username = clean(data.username)
    if data.password:
        point.password_encrypted = crypto.encrypt(data.password)
        changes.append("password")
    if data.encryption_key:
        point.encryption_key_encrypted = crypto.encrypt(data.encryption_key)
        changes.append("encryption_key")
    elif data.remove_encryption_key and point.encryption_key_encrypted is not None:
        point.encryption_key_encrypted = None
        changes.append("encryption_key_removed")
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "access_point.create" if created else "access_point.update",
        point,
        f"{integration.external_id} : {point.url}",
        url=point.url,
        username=point.username,
        changed=changes,
    )
    return point


def set_default(company_id: int, actor: User, point: AccessPoint) -> None:
    """Make ``point`` the one default of its integration."""
    for other in point.integration.access_points:
        if other is not point and other.is_default:
            other.is_default = False
    db.session.flush()  # the unique index allows one default at a time
    point.is_default = True
    db.session.flush()
    audit.record(
        company_id,
        actor,
        "access_point.default",
        point,
        f"{point.integration.external_id} : {point.url}",
        url=point.url,
    )


def delete_access_point(company_id: int, actor: User, point: AccessPoint) -> None:
    """Delete ``point``; never the last one while syncs depend on the integration."""
    integration = point.integration
    others = [other for other in integration.access_points if other is not point]
    if not others:
        dependants = sync_dependants(integration)
        if dependants:
            raise ValidationError(
                message=_(
                    "C'est le seul point d'accès de « %(id)s » et des synchronisations en "
                    "dépendent (%(what)s). Ajoutez d'abord un autre point d'accès, puis "
                    "supprimez celui-ci.",
                    id=integration.external_id,
                    what=", ".join(dependants),
                )
            )
    audit.record(
        company_id,
        actor,
        "access_point.delete",
        point,
        f"{integration.external_id} : {point.url}",
        url=point.url,
    )
    was_default = point.is_default
    integration.access_points.remove(point)
    db.session.flush()
    if was_default and others:
        others[0].is_default = True
        db.session.flush()


def sync_dependants(integration: Integration) -> list[str]:
    """The sections whose synchronised data depends on the integration's connection."""
    sections = set(
        db.session.scalars(
            db.select(RecordLink.entity)
            .where(RecordLink.integration_id == integration.id)
            .distinct()
        )
    )
    sections |= set(
        db.session.scalars(
            db.select(SyncRun.section).where(SyncRun.integration_id == integration.id).distinct()
        )
    )
    return [str(section.label) for section in SyncSection if section in sections]


def reencrypt_secrets() -> int:
    """Re-encrypt every stored secret with the newest key; returns the access points done."""
    count = 0
    for point in db.session.scalars(db.select(AccessPoint)):
        point.password_encrypted = crypto.rotate(point.password_encrypted)
        if point.encryption_key_encrypted is not None:
            point.encryption_key_encrypted = crypto.rotate(point.encryption_key_encrypted)
        count += 1
    db.session.flush()
    return count
