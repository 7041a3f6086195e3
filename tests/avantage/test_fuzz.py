"""Property-based robustness: malformed input never crashes the simulator nor hangs the client."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.avantage import AvantageClient, AvantageError
from portal.avantage.cipher import sealed_line_length
from portal.avantage.protocol import ERR_CRYPTO_LINE, ErrorCode, Greeting, decode_json
from portal.avantage.simulator import SimulatorConfig, SimulatorServer
from tests.avantage.peers import ScriptedServer
from tests.simulator_fixtures import RawConnection, random_credentials

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SENTINEL_ID = 987_654
KNOWN_CODES = {str(code) for code in ErrorCode} - {"INTERNAL"}
OPS = ["LOGIN", "PING", "LIST", "BEGIN_BATCH", "ADD_LINES", "COMMIT_BATCH", "GET_BATCH"]

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
LINE_FIELDS = {
    "line": st.integers(-2, 5) | JSON_SCALARS,
    "kind": st.sampled_from(["hours", "earning", "bonus"]),
    "employee": st.sampled_from(["1001", "01017", " 1023", "1031", "9999", ""]) | JSON_SCALARS,
    "date": st.sampled_from(["2026-11-23", "2026-02-30", "23/11/2026"]) | JSON_SCALARS,
    "project": st.sampled_from(["24-101", "24-105", "99-999"]),
    "activity": st.sampled_from(["03-100", "99-999"]),
    "trade": st.sampled_from(["CHARP", "MANOE", "SOUD"]),
    "hour_type": st.sampled_from(["REG", "T1.5", "T9"]),
    "earning": st.sampled_from(["KM", "REPAS", "HAUT", "PRIME"]),
    "hours": st.sampled_from(["8.00", "0", "-1", "30", "abc"]) | JSON_SCALARS,
    "amount": st.sampled_from(["18.50", "1e3"]) | JSON_SCALARS,
    "quantity": st.sampled_from(["42", "4.2.1"]) | JSON_SCALARS,
}
LINES = st.lists(st.fixed_dictionaries({}, optional=LINE_FIELDS) | JSON_VALUES, max_size=4)
ARGUMENTS = {
    "entity": st.sampled_from(["employees", "activities", "budget", "timesheet_entries", "x"])
    | JSON_SCALARS,
    "cursor": JSON_SCALARS,
    "limit": st.integers(-1, 1002) | JSON_SCALARS,
    "project": st.sampled_from(["24-101", "99-999"]) | JSON_SCALARS,
    "since": st.sampled_from(["2025-06-01T00:00:00Z", "2025-06-01", "hier"]) | JSON_SCALARS,
    "batch_key": st.sampled_from(["b1", "b2", "k" * 65]) | JSON_SCALARS,
    "lines": LINES | JSON_VALUES,
    "atomic": JSON_SCALARS,
    "user": JSON_SCALARS,
    "password": JSON_SCALARS,
}
REQUESTS = st.fixed_dictionaries(
    {"id": st.integers(0, 10**6) | JSON_SCALARS, "op": st.sampled_from(OPS) | JSON_SCALARS},
    optional=ARGUMENTS,
)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[SimulatorServer, dict[str, str]]]]:
    """One simulator without and one with encryption, shared by every example."""
    started = {}
    for name in ("plain", "sealed"):
        credentials = random_credentials()
        if name == "plain":
            credentials["key"] = None  # type: ignore[assignment]
        server = SimulatorServer(
            SimulatorConfig(
                **credentials,
                employees=30,
                projects=6,
                buffer=2048,
                max_sessions=200,
                idle_timeout=5,
            )
        )
        server.start_in_thread()
        started[name] = (server, credentials)
    yield started
    for server, _ in started.values():
        server.stop()


def _assert_still_serves(server: SimulatorServer, credentials: dict[str, str]) -> None:
    assert server.address is not None
    with RawConnection(*server.address, key=credentials["key"], timeout=5) as raw:
        response = raw.request("LOGIN", user=credentials["user"], password=credentials["password"])
        assert response["ok"] is True


def _assert_well_formed(response: dict[str, Any]) -> None:
    assert type(response.get("ok")) is bool
    if not response["ok"]:
        assert response["error"]["code"] in KNOWN_CODES, response
        assert isinstance(response["error"]["message"], str)


GARBAGE = (
    st.binary(max_size=300)
    | st.integers(2049, 400_000).map(lambda size: b"z" * size)
    | JSON_VALUES.map(lambda value: json.dumps(value).encode())
    | st.sampled_from([b"{", b"\r", b"\x00", b"[]", b"null", b'{"id": 1}', b"ERR CRYPTO"])
)


@FUZZ
@given(payload=GARBAGE)
def test_garbage_never_crashes_the_plain_simulator(servers, payload: bytes) -> None:
    server, credentials = servers["plain"]
    with RawConnection(*server.address, timeout=5) as raw:
        raw.sock.sendall(
            payload + b"\n" + json.dumps({"id": SENTINEL_ID, "op": "PING"}).encode() + b"\n"
        )
        while True:
            line = raw.read_line()
            if not line:
                break  # it may close (e.g. QUIT or three failed logins): that is an answer too
            response = decode_json(line)
            _assert_well_formed(response)
            if response["id"] == SENTINEL_ID:
                break
    _assert_still_serves(server, credentials)


@FUZZ
@given(payload=GARBAGE)
def test_garbage_never_crashes_the_encrypting_simulator(servers, payload: bytes) -> None:
    server, credentials = servers["sealed"]
    with RawConnection(*server.address, timeout=5) as raw:
        raw.sock.sendall(payload + b"\n")
        if len(payload) > sealed_line_length(2048) and b"\n" not in payload:
            assert raw.read_line() != ERR_CRYPTO_LINE  # an encrypted TOO_LARGE, not a close
        else:
            assert raw.read_line() == ERR_CRYPTO_LINE
            assert raw.is_closed_by_server()
    _assert_still_serves(server, credentials)


@FUZZ
@given(requests=st.lists(REQUESTS | JSON_VALUES, min_size=1, max_size=3))
def test_random_requests_get_well_formed_answers(servers, requests: list[Any]) -> None:
    server, credentials = servers["sealed"]
    with RawConnection(*server.address, key=credentials["key"], timeout=5) as raw:
        assert raw.request("LOGIN", user=credentials["user"], password=credentials["password"])[
            "ok"
        ]
        for request in requests:
            frame = request if isinstance(request, dict) else {"value": request}
            if frame.get("op") == "LOGIN":
                continue  # three failed logins would close the connection: tested elsewhere
            raw.send(frame)
            response = raw.receive()
            _assert_well_formed(response)
            expected_id = frame.get("id") if type(frame.get("id")) is int else None
            assert response["id"] == expected_id
    _assert_still_serves(server, credentials)


GREETING = Greeting("7.40", 1, 65536, crypto=False).to_line().encode() + b"\n"


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    with ScriptedServer(b"", linger=0) as server:
        yield server


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    greeting_ok=st.booleans(),
    payload=st.binary(max_size=200)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode() + b"\n")
    | REQUESTS.map(lambda v: json.dumps({**v, "ok": False}).encode() + b"\n"),
)
def test_the_client_never_hangs_on_a_hostile_server(
    scripted: ScriptedServer, greeting_ok: bool, payload: bytes
) -> None:
    scripted.script = (GREETING if greeting_ok else b"") + payload
    client = AvantageClient(*scripted.address, "u", "p", timeout=0.5, retries=0)
    started = time.monotonic()
    try:
        client.login()
        client.ping()
    except AvantageError as error:
        assert error.step in {"greeting", "encryption", "login", "request"}
    finally:
        client.close()
    assert time.monotonic() - started < 1.5
