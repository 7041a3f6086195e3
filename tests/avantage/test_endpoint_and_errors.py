"""The access point address parser and the typed errors' bilingual texts."""

from __future__ import annotations

import ipaddress

import pytest

from portal.avantage import batch_errors, bounds, errors
from portal.avantage.endpoint import (
    EmptyEndpointError,
    EndpointError,
    ExtraEndpointPartError,
    InvalidHostError,
    InvalidPortError,
    UnsupportedSchemeError,
    parse_endpoint,
    public_addresses_only,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp://avantage.example.com:2131", ("avantage.example.com", 2131)),
        ("TCP://10.0.0.5:3000", ("10.0.0.5", 3000)),
        ("serveur-avantage:2200", ("serveur-avantage", 2200)),
        ("serveur-avantage", ("serveur-avantage", 2131)),
        ("  192.168.1.20  ", ("192.168.1.20", 2131)),
        ("[2001:db8::5]:2131", ("2001:db8::5", 2131)),
        ("tcp://[::1]", ("::1", 2131)),
        ("fe80::1", ("fe80::1", 2131)),
        ("SRV_AVANTAGE.local.", ("SRV_AVANTAGE.local.", 2131)),
        ("host:65535", ("host", 65535)),
    ],
)
def test_accepted_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyEndpointError),
        ("   ", EmptyEndpointError),
        ("http://server:2131", UnsupportedSchemeError),
        ("ssh://server", UnsupportedSchemeError),
        ("tcp://server:2131/path", ExtraEndpointPartError),
        ("tcp://server:2131?x=1", ExtraEndpointPartError),
        ("server#frag", ExtraEndpointPartError),
        ("tcp://user:pw@server:2131", ExtraEndpointPartError),
        ("server:", InvalidPortError),
        ("server:port", InvalidPortError),
        ("server:0", InvalidPortError),
        ("server:65536", InvalidPortError),
        ("server:-1", InvalidPortError),
        ("server: 2131", InvalidPortError),
        ("a" * 254, InvalidHostError),
        ("ser ver", InvalidHostError),
        ("serveur-bélanger", InvalidHostError),
        ("-server", InvalidHostError),
        ("server..local", InvalidHostError),
        ("[2001:db8::5", InvalidHostError),
        ("[not-v6]:2131", InvalidHostError),
        ("[::1]x", InvalidHostError),
        ("1:2:3", InvalidHostError),
    ],
)
def test_refused_addresses_explain_themselves(text: str, error: type[EndpointError]) -> None:
    with pytest.raises(error) as raised:
        parse_endpoint(text)
    assert isinstance(raised.value, ValueError)
    assert raised.value.message("fr") != raised.value.message("en")
    assert "{" not in raised.value.message("fr") + raised.value.message("en")


def test_the_port_message_quotes_what_was_typed() -> None:
    with pytest.raises(InvalidPortError) as raised:
        parse_endpoint("server:99999")
    assert "99999" in raised.value.message("fr")
    assert "1 à 65535" in raised.value.message("fr")
    assert "1 to 65535" in raised.value.message("en")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.1.1", "::1", "fe80::1", "224.0.0.1"],
)
def test_public_policy_refuses_local_and_private_addresses(address: str) -> None:
    with pytest.raises(errors.AddressNotAllowedError) as raised:
        public_addresses_only(ipaddress.ip_address(address))
    assert address in raised.value.message_fr


def test_public_policy_allows_public_addresses() -> None:
    public_addresses_only(ipaddress.ip_address("8.8.8.8"))
    public_addresses_only(ipaddress.ip_address("2606:4700::1111"))


def _examples() -> list[errors.AvantageError]:
    return [
        errors.HostNotFoundError("avantage.invalid", "gaierror"),
        errors.AddressNotAllowedError(ipaddress.ip_address("10.0.0.1")),
        errors.PortClosedError("srv", 2131),
        errors.NoAnswerError("srv", 2131, 10.0),
        errors.NotAvantageServerError("srv", 80),
        errors.EncryptionKeyRequiredError(),
        errors.WrongEncryptionKeyError(),
        errors.AuthenticationError("portail"),
        errors.ServerBusyError(),
        errors.ProtocolError("bad seq"),
        errors.ConnectionLostError("reset"),
        errors.RequestTimeoutError(2.5),
        errors.ServerError("INVALID", "limit: must be an integer from 1 to 1000"),
        batch_errors.LineTooLargeError(7, 1024),
        batch_errors.ReversalNotSupportedError(),
        bounds.ResponseTooLargeError(8 * 1024 * 1024),
        *(
            bounds.ListingOverrunError(
                "employees", overrun, received=600, total=1, first=1, pages=10, count=9, limit=8
            )
            for overrun in bounds.Overrun
        ),
    ]


@pytest.mark.parametrize("error", _examples(), ids=lambda error: type(error).__name__)
def test_every_error_has_a_step_and_bilingual_message_and_fix(error: errors.AvantageError) -> None:
    assert error.step in set(errors.Step)
    for text in (error.message_fr, error.message_en, error.fix_fr, error.fix_en):
        assert text and "{" not in text
    assert error.message_fr != error.message_en and error.fix_fr != error.fix_en
    assert error.message("fr") == error.message_fr and error.fix("en-CA") == error.fix_en
    assert error.message_en in str(error)


@pytest.mark.parametrize(
    ("error", "step", "transient"),
    [
        (errors.HostNotFoundError("x"), "resolve", False),
        (errors.AddressNotAllowedError("10.0.0.1"), "resolve", False),
        (errors.PortClosedError("x", 1), "connect", False),
        (errors.NoAnswerError("x", 1, 1.0), "connect", False),
        (errors.NotAvantageServerError("x", 1), "greeting", False),
        (errors.EncryptionKeyRequiredError(), "encryption", False),
        (errors.WrongEncryptionKeyError(), "encryption", False),
        (errors.AuthenticationError("u"), "login", False),
        (errors.ServerBusyError(), "greeting", True),
        (errors.ConnectionLostError(), "request", True),
        (errors.RequestTimeoutError(1.0), "request", True),
        (errors.ProtocolError(), "request", False),
        (errors.ServerError("NOT_FOUND", "no batch"), "request", False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_steps_and_transience(error: errors.AvantageError, step: str, transient: bool) -> None:
    assert (error.step, error.transient) == (step, transient)


def test_fixes_name_the_setup_steps() -> None:
    assert "Test-NetConnection localhost -Port 2131" in errors.PortClosedError("srv", 2131).fix_fr
    assert "pare-feu Windows" in errors.NoAnswerError("srv", 2131, 5).fix_fr
    assert "pare-feu du réseau" in errors.NoAnswerError("srv", 2131, 5).fix_fr
    assert "clé de chiffrement" in errors.EncryptionKeyRequiredError().fix_fr
    assert "Avantage administrator" in errors.WrongEncryptionKeyError().fix_en
