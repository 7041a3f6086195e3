"""Connecting: every way it can fail ends in the right typed error, step and diagnostics."""

from __future__ import annotations

import ipaddress
import time

import pytest

from portal.avantage import (
    AddressNotAllowedError,
    AvantageClient,
    EncryptionKeyRequiredError,
    HostNotFoundError,
    NoAnswerError,
    NotAvantageServerError,
    PortClosedError,
    ServerBusyError,
    StepStatus,
    WrongEncryptionKeyError,
    diagnose,
)
from portal.avantage.cipher import FrameCipher, PlainCodec
from portal.avantage.protocol import ErrorCode, Greeting, error_frame
from tests.avantage.peers import (
    ScriptedServer,
    closed_port,
    http_server,
    silent_server,
    unreachable_port,
)
from tests.simulator_fixtures import RunningSimulator


def _statuses(error: Exception) -> dict[str, str]:
    return {str(result.step): str(result.status) for result in error.diagnostics}  # type: ignore[attr-defined]


def _client(address: tuple[str, int], key: str | None = None, **options: object) -> AvantageClient:
    settings = {"timeout": 0.3, "retries": 0, **options}
    return AvantageClient(address[0], address[1], "portail", "pw", key, **settings)  # type: ignore[arg-type]


def test_connection_refused_is_a_closed_port() -> None:
    with closed_port() as address, pytest.raises(PortClosedError) as raised:
        _client(address).login()
    assert raised.value.step == "connect"
    assert _statuses(raised.value) == {
        "resolve": "passed",
        "connect": "failed",
        "greeting": "not_reached",
        "encryption": "not_reached",
        "login": "not_reached",
    }


def test_unknown_host() -> None:
    with pytest.raises(HostNotFoundError) as raised:
        AvantageClient("avantage.invalid", 2131, "u", "p", timeout=0.5).login()
    assert "avantage.invalid" in raised.value.message_fr
    assert _statuses(raised.value)["resolve"] == "failed"


def test_a_connect_that_never_completes_is_no_answer() -> None:
    with unreachable_port() as address:
        started = time.monotonic()
        with pytest.raises(NoAnswerError) as raised:
            _client(address).login()
    assert time.monotonic() - started < 2
    assert "pare-feu Windows" in raised.value.fix_fr


def test_a_server_that_never_speaks_is_not_avantage() -> None:
    with silent_server() as address:
        started = time.monotonic()
        with pytest.raises(NotAvantageServerError) as raised:
            _client(address).login()
    assert 0.25 < time.monotonic() - started < 2
    assert _statuses(raised.value)["connect"] == "passed"
    assert _statuses(raised.value)["greeting"] == "failed"


def test_an_http_server_is_not_avantage() -> None:
    with http_server() as address, pytest.raises(NotAvantageServerError):
        _client(address).login()


@pytest.mark.parametrize(
    "script",
    [
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        b"",  # closes at once
        b"AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=65536 crypto=on",  # no line ending
        b"x" * 5000 + b"\n",
    ],
)
def test_anything_but_a_greeting_is_not_avantage(script: bytes) -> None:
    with ScriptedServer(script) as server, pytest.raises(NotAvantageServerError):
        _client(server.address).login()


def test_a_greeting_after_the_timeout_is_not_avantage(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(slow_start=1.0)
    with pytest.raises(NotAvantageServerError):
        simulator.client(timeout=0.2, retries=0).login()


def test_address_policy_refuses_before_connecting(simulator: RunningSimulator) -> None:
    seen = []

    def no_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        seen.append(address)
        if address.is_loopback:
            raise AddressNotAllowedError(address, "loopback")

    with pytest.raises(AddressNotAllowedError) as raised:
        simulator.client(address_policy=no_loopback).login()
    assert seen == [ipaddress.IPv4Address("127.0.0.1")]
    assert _statuses(raised.value)["resolve"] == "failed"
    assert _statuses(raised.value)["connect"] == "not_reached"


def test_missing_key_is_reported_before_sending_anything() -> None:
    greeting = Greeting("7.40", 1, 65536, crypto=True, salt=bytes(16)).to_line().encode() + b"\n"
    with ScriptedServer(greeting) as server, pytest.raises(EncryptionKeyRequiredError) as raised:
        _client(server.address).login()
    assert server.received == [b""]
    assert _statuses(raised.value)["greeting"] == "passed"
    assert _statuses(raised.value)["encryption"] == "failed"


def test_missing_key_against_the_simulator(simulator: RunningSimulator) -> None:
    with pytest.raises(EncryptionKeyRequiredError):
        simulator.client(key=None).login()


def test_wrong_key(simulator: RunningSimulator) -> None:
    with pytest.raises(WrongEncryptionKeyError) as raised:
        simulator.client(key="not-the-key").login()
    assert _statuses(raised.value)["encryption"] == "failed"
    assert _statuses(raised.value)["login"] == "not_reached"
    assert "not-the-key" not in str(raised.value) + raised.value.detail


def test_unencrypted_server_with_a_key_given(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(key=None)
    with AvantageClient(
        simulator.host, simulator.port, simulator.user, simulator.password, "unused-key", timeout=2
    ) as client:
        assert client.greeting is not None and not client.greeting.crypto
        assert client.ping().round_trip > 0
    assert all(result.status == StepStatus.PASSED for result in client.diagnostics)


def test_busy_beyond_max_sessions(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(max_sessions=1)
    with simulator.client() as first:
        with pytest.raises(ServerBusyError) as raised:
            simulator.client(retries=2, backoff=0.01).login()
        assert raised.value.transient
        with simulator.raw() as raw:  # greeting, then one encrypted BUSY frame, then close
            busy = error_frame(None, ErrorCode.BUSY, "too many sessions (max_sessions=1)")
            assert raw.receive() == busy
            assert raw.is_closed_by_server()
        first.ping()
    with simulator.client() as later:  # the session was released
        later.ping()


@pytest.mark.parametrize("encrypted_busy", [True, False])
def test_busy_frame_clear_or_encrypted_after_a_crypto_greeting(encrypted_busy: bool) -> None:
    greeting = Greeting("7.40", 1, 65536, crypto=True, salt=bytes(16))
    codec = FrameCipher.for_server("k" * 16, greeting.salt) if encrypted_busy else PlainCodec()
    busy = codec.seal(error_frame(None, ErrorCode.BUSY, "busy"))
    script = greeting.to_line().encode() + b"\n" + busy
    with ScriptedServer(script) as server, pytest.raises(ServerBusyError):
        _client(server.address, key="k" * 16, retries=1, backoff=0.01).login()


def test_diagnose_reports_everything_without_raising(simulator: RunningSimulator) -> None:
    diagnosis = diagnose(
        simulator.host, simulator.port, simulator.user, simulator.password, simulator.key, timeout=2
    )
    assert diagnosis.ok and diagnosis.error is None
    assert diagnosis.company == {"code": "CONST-BEL", "name": "Construction Bélanger inc."}
    assert diagnosis.greeting is not None and diagnosis.greeting.version == "7.40"
    assert diagnosis.round_trip is not None and diagnosis.round_trip < 1
    assert [str(step.status) for step in diagnosis.steps] == ["passed"] * 5

    failed = diagnose(
        simulator.host, simulator.port, simulator.user, "wrong", simulator.key, timeout=2
    )
    assert not failed.ok and type(failed.error).__name__ == "AuthenticationError"
    assert [str(step.status) for step in failed.steps] == ["passed"] * 4 + ["failed"]
