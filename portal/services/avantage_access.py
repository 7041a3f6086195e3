"""How the portal reaches an access point: address checks, a client, and the connection test."""

from __future__ import annotations

import ipaddress
import socket

from flask import current_app
from flask_babel import force_locale, get_locale

from portal import crypto, formatting
from portal.avantage import (
    AddressNotAllowedError,
    AvantageClient,
    EndpointError,
    StepResult,
    diagnose,
    parse_endpoint,
    public_addresses_only,
)
from portal.avantage.steps import DETAIL_TEXTS
from portal.models import AccessPoint, Integration, User
from portal.models.base import utcnow
from portal.services import audit

#: Seconds a connection test waits at each step (the setup guide quotes it).
TEST_TIMEOUT = 5.0


class AccessPointAddressError(ValueError):
    """An access point URL the form refuses; ``message`` is in the user's language."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _lang() -> str:
    return str(get_locale() or "fr")


def address_policy(allow_private: bool):
    """The client's check of every resolved address (None when private ones are allowed)."""
    return None if allow_private else public_addresses_only


def parse_address(text: str, *, allow_private: bool) -> tuple[str, int]:
    """(host, port) from what was typed, refusing addresses the deployment does not allow.

    A literal IP is checked as typed; a name is resolved now (and again at every connection,
    by the client) so that a name pointing at a private address is refused too.
    """
    try:
        host, port = parse_endpoint(text or "")
    except EndpointError as error:
        raise AccessPointAddressError(error.message(_lang())) from None
    if allow_private:
        return host, port
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            infos = []  # not resolvable from here (yet): the connection test will say so
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        try:
            public_addresses_only(address)
        except AddressNotAllowedError as error:
            raise AccessPointAddressError(
                f"{error.message(_lang())} {error.fix(_lang())}"
            ) from None
    return host, port


def _secrets(point: AccessPoint) -> tuple[str, str | None]:
    """The password and encryption key, decrypted for the moment of a connection only."""
    key = (
        crypto.decrypt(point.encryption_key_encrypted)
        if point.encryption_key_encrypted is not None
        else None
    )
    return crypto.decrypt(point.password_encrypted), key


def open_client(point: AccessPoint, *, timeout: float = 10.0, retries: int = 3) -> AvantageClient:
    """A client for ``point`` with its decrypted secrets (not yet connected).

    AVANTAGE_MAX_FRAME_BYTES and AVANTAGE_MAX_PAGES bound what one response and one listing may
    cost (see docs/avantage-protocol.md).
    """
    password, key = _secrets(point)
    config = current_app.config
    return AvantageClient(
        point.host,
        point.port,
        point.username,
        password,
        key,
        timeout=timeout,
        retries=retries,
        address_policy=address_policy(config["ALLOW_PRIVATE_ENDPOINTS"]),
        max_frame_bytes=config["AVANTAGE_MAX_FRAME_BYTES"],
        max_pages=config["AVANTAGE_MAX_PAGES"],
    )


#: The parameters of Avantage's texts that are figures; the others are names, codes and ports.
_FIGURES = frozenset({"timeout"})


def _localized(text: str, params: dict, locale: str) -> str:
    """One of Avantage's texts with its figures written as ``locale`` does (« 0,5 s »)."""
    with force_locale(locale):
        return text.format(
            **{
                name: formatting.number(value) if name in _FIGURES else value
                for name, value in params.items()
            }
        )


def _step_report(result: StepResult) -> dict:
    """One step as stored: its code and parameters, and its detail in both languages."""
    texts = DETAIL_TEXTS.get(result.detail_code) if result.detail_code else None
    return {
        "step": str(result.step),
        "status": str(result.status),
        "detail": result.detail,
        "detail_code": result.detail_code,
        "params": result.params,
        "detail_fr": _localized(texts.text_fr, result.params, "fr_CA") if texts else result.detail,
        "detail_en": _localized(texts.text_en, result.params, "en_CA") if texts else result.detail,
    }


def test_access_point(company_id: int, actor: User, point: AccessPoint) -> dict:
    """Try the access point now; store and return the report (never a secret in it)."""
    password, key = _secrets(point)
    diagnosis = diagnose(
        point.host,
        point.port,
        point.username,
        password,
        key,
        timeout=current_app.config.get("AVANTAGE_TEST_TIMEOUT", TEST_TIMEOUT),
        address_policy=address_policy(current_app.config["ALLOW_PRIVATE_ENDPOINTS"]),
    )
    report = {
        "ok": diagnosis.ok,
        "steps": [_step_report(result) for result in diagnosis.steps],
        "server_version": diagnosis.greeting.version if diagnosis.greeting else None,
        "encryption": (diagnosis.greeting.crypto if diagnosis.greeting else None),
        "features": sorted(diagnosis.greeting.features) if diagnosis.greeting else None,
        "company": (diagnosis.company or {}).get("name"),
        "company_code": (diagnosis.company or {}).get("code"),
        "round_trip_ms": (
            round(diagnosis.round_trip * 1000, 1) if diagnosis.round_trip is not None else None
        ),
        "error": None,
    }
    if diagnosis.error is not None:
        error = diagnosis.error
        report["error"] = {
            "type": type(error).__name__,
            "step": str(error.step),
            "message_fr": _localized(error.text_fr, error.params, "fr_CA"),
            "message_en": _localized(error.text_en, error.params, "en_CA"),
            "fix_fr": _localized(error.how_fr, error.params, "fr_CA"),
            "fix_en": _localized(error.how_en, error.params, "en_CA"),
        }
    now = utcnow()
    point.last_test_at, point.last_test_ok, point.last_test_report = now, diagnosis.ok, report
    integration: Integration = point.integration
    if diagnosis.ok:
        integration.last_contact_at = now
        integration.server_version = report["server_version"]
        integration.remote_company_name = report["company"]
        integration.server_features = ",".join(report["features"] or [])
    audit.record(
        company_id,
        actor,
        "access_point.test",
        point,
        f"{integration.external_id} : {point.url} — "
        + ("OK" if diagnosis.ok else report["error"]["type"]),
        ok=diagnosis.ok,
        step=report["error"]["step"] if report["error"] else None,
        round_trip_ms=report["round_trip_ms"],
    )
    return report
