"""Step details: a code and parameters, said in French (Québec) and English."""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Callable

import pytest

from portal.avantage import bounds, diagnose, errors
from portal.avantage.steps import (
    DETAIL_TEXTS,
    FAILURE_CODES,
    DetailCode,
    StepLog,
    StepResult,
    StepStatus,
)
from tests.avantage.peers import closed_port
from tests.simulator_fixtures import RunningSimulator

#: English words a French detail must never show (issue 13).
ENGLISH = ("key accepted", "invalid user", "refused", "answered", "greeting says", "Connected")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", list(DetailCode))
def test_every_code_has_both_texts_with_the_same_parameters(code: DetailCode) -> None:
    text = DETAIL_TEXTS[code]
    assert text.text_fr and text.text_en and text.text_fr != text.text_en
    assert _placeholders(text.text_fr) == _placeholders(text.text_en)


def test_every_failure_code_has_a_text() -> None:
    assert set(FAILURE_CODES.values()) <= set(DETAIL_TEXTS)


def test_a_passed_step_formats_its_parameters_in_both_languages() -> None:
    log = StepLog()
    log.passed(errors.Step.ENCRYPTION, DetailCode.KEY_ACCEPTED, cipher="AES-256-GCM")
    result = log.results()[3]
    assert (result.step, result.status) == (errors.Step.ENCRYPTION, StepStatus.PASSED)
    assert (result.detail_code, result.params) == ("key_accepted", {"cipher": "AES-256-GCM"})
    assert result.detail_fr == "AES-256-GCM, clé acceptée"
    assert result.detail_en == result.detail == "AES-256-GCM, key accepted"
    assert result.detail_text("en-CA") == result.detail_en
    assert result.detail_text("fr_CA") == result.detail_fr


def test_a_step_without_code_says_its_raw_detail() -> None:
    result = StepResult(errors.Step.LOGIN, StepStatus.NOT_REACHED, "raw")
    assert result.detail_fr == result.detail_en == "raw"


def _failures() -> list[tuple[errors.AvantageError, DetailCode]]:
    return [
        (errors.HostNotFoundError("avantage.invalid", "gaierror"), DetailCode.HOST_NOT_FOUND),
        (
            errors.AddressNotAllowedError(ipaddress.ip_address("10.0.0.1")),
            DetailCode.ADDRESS_NOT_ALLOWED,
        ),
        (
            errors.PortClosedError("srv", 2131, "connect to srv refused"),
            DetailCode.CONNECTION_REFUSED,
        ),
        (errors.NoAnswerError("srv", 2131, 5.0), DetailCode.NO_ANSWER),
        (errors.NotAvantageServerError("srv", 80), DetailCode.NOT_MAINTCP),
        (errors.ServerBusyError(), DetailCode.SERVER_BUSY),
        (errors.EncryptionKeyRequiredError("greeting says crypto=on"), DetailCode.KEY_REQUIRED),
        (errors.WrongEncryptionKeyError("server answered ERR CRYPTO"), DetailCode.KEY_REJECTED),
        (
            errors.AuthenticationError("portail", "invalid user or password"),
            DetailCode.LOGIN_REFUSED,
        ),
        (errors.ServerError("INTERNAL", "boom", step=errors.Step.LOGIN), DetailCode.SERVER_REFUSED),
        (errors.RequestTimeoutError(2.5, step=errors.Step.LOGIN), DetailCode.NO_RESPONSE),
        (errors.ConnectionLostError("reset", step=errors.Step.LOGIN), DetailCode.CONNECTION_LOST),
        (
            errors.ProtocolError("bad seq", step=errors.Step.GREETING),
            DetailCode.UNREADABLE_RESPONSE,
        ),
        (
            bounds.ResponseTooLargeError(1024, step=errors.Step.LOGIN),
            DetailCode.UNREADABLE_RESPONSE,
        ),
        (errors.AvantageError("odd", step=errors.Step.LOGIN), DetailCode.FAILED),
    ]


@pytest.mark.parametrize(("error", "code"), _failures(), ids=lambda value: type(value).__name__)
def test_a_failed_step_says_its_error_in_both_languages(
    error: errors.AvantageError, code: DetailCode
) -> None:
    log = StepLog()
    log.failed(error)
    (result,) = [result for result in log.results() if result.step == error.step]
    assert result.status == StepStatus.FAILED and result.detail_code == code
    assert result.detail == error.detail  # the technical detail stays for logs
    for text in (result.detail_fr, result.detail_en):
        assert text and "{" not in text
    assert not any(word in result.detail_fr for word in ENGLISH)


def test_a_failure_outside_the_connection_steps_is_ignored() -> None:
    log = StepLog()
    log.failed(errors.ConnectionLostError("reset"))
    assert {result.status for result in log.results()} == {StepStatus.NOT_REACHED}


Scenario = Callable[[RunningSimulator], tuple[str, int, str, str, str | None]]


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            lambda sim: (sim.host, sim.port, sim.user, sim.password, sim.key),
            ["resolved", "connected", "greeting_received", "key_accepted", "logged_in"],
        ),
        (
            lambda sim: (sim.host, sim.port, sim.user, "pas-le-bon", sim.key),
            ["resolved", "connected", "greeting_received", "key_accepted", "login_refused"],
        ),
        (
            lambda sim: (sim.host, sim.port, sim.user, sim.password, "MAUVAISECLE12345"),
            ["resolved", "connected", "greeting_received", "key_rejected", None],
        ),
        (
            lambda sim: (sim.host, sim.port, sim.user, sim.password, None),
            ["resolved", "connected", "greeting_received", "key_required", None],
        ),
    ],
    ids=["success", "wrong-password", "wrong-key", "no-key"],
)
def test_diagnose_gives_every_step_a_code(
    simulator: RunningSimulator, scenario: Scenario, expected: list[str | None]
) -> None:
    diagnosis = diagnose(*scenario(simulator), timeout=2)
    assert [result.detail_code for result in diagnosis.steps] == expected
    for result in diagnosis.steps:
        assert not any(word in result.detail_fr for word in ENGLISH), result.detail_fr
    greeting = diagnosis.steps[2]
    assert greeting.detail_fr.startswith("Réponse du serveur : AVANTAGE MainTCP 7.40")
    assert " salt=" not in greeting.detail_fr


def test_diagnose_an_unencrypted_server_and_a_closed_port(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(key=None)
    steps = diagnose(simulator.host, simulator.port, simulator.user, simulator.password).steps
    assert steps[3].detail_code == "unencrypted" and "en clair" in steps[3].detail_fr
    with closed_port() as (host, port):
        steps = diagnose(host, port, "portail", "pw", timeout=0.5).steps
    assert steps[1].detail_code == "connection_refused"
    assert steps[1].detail_fr == f"Connexion refusée sur {host}:{port}"
    assert steps[1].detail_en == f"Connection refused on {host}:{port}"
    assert "refused" in steps[1].detail  # the log keeps the technical detail
