"""The simulator enforces AVTCP/1: greeting, login, crypto, seq, frame limits, idle timeout."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time

import pytest

from portal.avantage import AuthenticationError
from portal.avantage.cipher import CLIENT_TO_SERVER, derive_key, encrypt_line
from portal.avantage.protocol import GREETING_RE, encode_json
from portal.avantage.simulator.session import TOO_LONG, BoundedLineReader
from tests.simulator_fixtures import RunningSimulator


def test_telnet_sees_the_greeting_line(simulator: RunningSimulator) -> None:
    lines = []
    for _ in range(2):
        with socket.create_connection((simulator.host, simulator.port), timeout=2) as sock:
            lines.append(sock.makefile("rb").readline().decode())
    for line in lines:
        assert line.endswith("\n")
        assert GREETING_RE.match(line.rstrip("\n"))
        assert re.fullmatch(
            r"AVANTAGE MainTCP 7\.40 ready\. AVTCP/1 buffer=65536 crypto=on "
            r"salt=[A-Za-z0-9+/]{22}== features=reversal\n",
            line,
        )
    assert lines[0] != lines[1], "a fresh salt for every connection"


def test_login_success_and_failure(simulator: RunningSimulator) -> None:
    with simulator.client() as client:
        assert client.company == {"code": "CONST-BEL", "name": "Construction Bélanger inc."}
        assert client.server_time and client.server_time.endswith("Z")
    with pytest.raises(AuthenticationError) as raised:
        simulator.client(password="wrong").login()
    assert not raised.value.transient
    assert raised.value.step == "login"
    with pytest.raises(AuthenticationError):
        simulator.client(user="someone-else").login()


def test_three_failed_logins_close_the_connection(simulator: RunningSimulator) -> None:
    with simulator.raw() as raw:
        for _ in range(3):
            response = raw.request("LOGIN", user=simulator.user, password="nope")
            assert response["error"]["code"] == "AUTH_FAILED"
        assert raw.is_closed_by_server()
    with simulator.raw() as raw:  # two failures leave the door open
        for _ in range(2):
            raw.request("LOGIN", user=simulator.user, password="nope")
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]


def test_ops_before_login_are_unauthenticated(simulator: RunningSimulator) -> None:
    with simulator.raw() as raw:
        for op in ("PING", "LIST", "BEGIN_BATCH", "GET_BATCH"):
            response = raw.request(op, entity="employees", batch_key="b")
            assert response["ok"] is False and response["error"]["code"] == "UNAUTHENTICATED"
        assert raw.request("QUIT") == {"id": 5, "ok": True, "data": {}}
        assert raw.is_closed_by_server()


@pytest.mark.parametrize(
    ("frame", "answered_id", "field"),
    [
        ({"id": 7, "op": "DANCE"}, 7, "op"),
        ({"id": 7}, 7, "op"),
        ({"op": "PING"}, None, "id"),
        ({"id": "7", "op": "PING"}, None, "id"),
        ({"id": 7, "op": "LIST", "entity": "cats"}, 7, "entity"),
        ({"id": 7, "op": "LIST", "entity": "employees", "limit": 0}, 7, "limit"),
        ({"id": 7, "op": "LIST", "entity": "employees", "limit": 1001}, 7, "limit"),
        ({"id": 7, "op": "LIST", "entity": "employees", "limit": True}, 7, "limit"),
        ({"id": 7, "op": "LIST", "entity": "employees", "cursor": "forged.abc"}, 7, "cursor"),
        ({"id": 7, "op": "LIST", "entity": "employees", "since": "yesterday"}, 7, "since"),
        ({"id": 7, "op": "LIST", "entity": "activities"}, 7, "project"),
        ({"id": 7, "op": "BEGIN_BATCH", "batch_key": "k" * 65}, 7, "batch_key"),
        ({"id": 7, "op": "BEGIN_BATCH"}, 7, "batch_key"),
        ({"id": 7, "op": "ADD_LINES", "batch_key": "b", "lines": {}}, 7, "lines"),
        ({"id": 7, "op": "COMMIT_BATCH", "batch_key": "b", "atomic": "yes"}, 7, "atomic"),
    ],
)
def test_invalid_requests_name_the_field(
    simulator: RunningSimulator, frame: dict[str, object], answered_id: int | None, field: str
) -> None:
    with simulator.raw() as raw:
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]
        raw.send(frame)
        response = raw.receive()
    assert response["id"] == answered_id and response["ok"] is False
    assert response["error"]["code"] == "INVALID"
    assert field in response["error"]["message"]


def test_not_json_gets_invalid_with_null_id(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(key=None)
    with simulator.raw() as raw:
        for garbage in (b"hello", b"[1, 2]", b"\xff\xfe\x00", b"{"):
            raw.send_line(garbage)
            response = raw.receive()
            assert (response["id"], response["error"]["code"]) == (None, "INVALID")
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]


def test_crypto_on_refuses_a_clear_frame_with_err_crypto(simulator: RunningSimulator) -> None:
    with simulator.raw(key=None) as raw:
        raw.send_line(encode_json({"id": 1, "op": "LOGIN", "user": "u", "password": "p"}))
        assert raw.read_line() == b"ERR CRYPTO"
        assert raw.is_closed_by_server()


def test_responses_are_encrypted_with_their_own_seq(simulator: RunningSimulator) -> None:
    with simulator.raw() as raw:
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]
        assert raw.request("PING")["ok"]  # the raw codec checks server seq 1, 2
        assert raw.codec.received_seq == 2  # type: ignore[attr-defined]


def test_a_replayed_frame_closes_the_connection(simulator: RunningSimulator) -> None:
    with simulator.raw() as raw:
        key = derive_key(simulator.key or "", raw.greeting.salt)
        login = {"id": 1, "op": "LOGIN", "user": simulator.user, "password": simulator.password}
        line = encrypt_line(key, encode_json({**login, "seq": 1}), CLIENT_TO_SERVER)
        raw.send_line(line)
        assert raw.receive()["ok"]
        raw.send_line(line)  # the same bytes again
        assert raw.is_closed_by_server()


def test_a_reordered_seq_closes_the_connection(simulator: RunningSimulator) -> None:
    with simulator.raw() as raw:
        key = derive_key(simulator.key or "", raw.greeting.salt)
        login = {"id": 1, "op": "LOGIN", "user": simulator.user, "password": simulator.password}
        raw.send_line(encrypt_line(key, encode_json({**login, "seq": 1}), CLIENT_TO_SERVER))
        assert raw.receive()["ok"]
        ping = encode_json({"id": 3, "op": "PING", "seq": 3})
        raw.send_line(encrypt_line(key, ping, CLIENT_TO_SERVER))
        assert raw.is_closed_by_server()


@pytest.mark.parametrize("key", [None, "secret-key-16chr"])
def test_too_large_frames_are_refused_and_the_connection_goes_on(make_simulator, key) -> None:
    simulator: RunningSimulator = make_simulator(key=key, buffer=1024)
    with simulator.raw() as raw:
        assert raw.request("LOGIN", user=simulator.user, password=simulator.password)["ok"]
        for size in (5000, 3 * 1024 * 1024):
            raw.send({"id": 2, "op": "PING", "padding": "x" * size})  # one seq step when sealed
            assert raw.receive() == {
                "id": None,
                "ok": False,
                "error": {"code": "TOO_LARGE", "message": "frame longer than buffer=1024 bytes"},
            }
        raw.send({"id": 3, "op": "PING", "padding": "x" * 940})  # just fits
        assert raw.receive()["ok"]
        assert raw.request("PING")["ok"]


def test_the_reader_drops_an_oversized_line_without_buffering_it() -> None:
    async def scenario() -> tuple[list[object], int]:
        stream = asyncio.StreamReader()
        lines = BoundedLineReader(stream, max_line=1000)
        high_water = 0
        results: list[object] = []
        chunk = b"y" * 65536
        for _ in range(80):  # 5 MiB without a newline
            stream.feed_data(chunk)
            await asyncio.wait_for(_drain_available(lines, stream), 1)
            high_water = max(high_water, len(lines._buffer))
        stream.feed_data(b"tail\nshort\n")
        stream.feed_eof()
        results.append(await lines.read_line())
        results.append(await lines.read_line())
        results.append(await lines.read_line())
        return results, high_water

    results, high_water = asyncio.run(scenario())
    assert results == [TOO_LONG, b"short", None]
    assert high_water <= 65536 + 1001


async def _drain_available(lines: BoundedLineReader, stream: asyncio.StreamReader) -> None:
    """Let the reader consume what was fed (it blocks waiting for more, which we cancel)."""
    task = asyncio.ensure_future(lines.read_line())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_idle_connections_are_closed(make_simulator) -> None:
    simulator: RunningSimulator = make_simulator(idle_timeout=0.3)
    with simulator.raw() as raw:
        started = time.monotonic()
        assert raw.is_closed_by_server()
        assert 0.25 < time.monotonic() - started < 3
    with simulator.client() as client:  # the client reconnects transparently
        client.ping()
        time.sleep(0.5)
        client.ping()
