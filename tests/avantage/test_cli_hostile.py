"""``portal avantage`` against a hostile server: listings end; server text cannot drive a tty."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner, Result

from portal.avantage.cli import avantage_cli
from portal.avantage.protocol import Greeting
from tests.avantage.hostile import Answer, HostileServer, employee, endless, line, ok

#: What a terminal must never receive from the server: C0 (but the CLI's own line ends),
#: DEL and C1 (``\x9b`` is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: Window title (OSC), clear screen, carriage return, and a C1 CSI.
HOSTILE = "\x1b]0;pirate\x07\x1b[2J\rvisible\x9b31m\x7f"
ESCAPED = "\\x1b]0;pirate\\x07\\x1b[2J\\x0dvisible\\x9b31m\\x7f"


def _invoke(server: HostileServer, *arguments: str, lang: str = "fr") -> Result:
    options = ["--url", server.url, "--user", server.user, "--password", server.password]
    return CliRunner().invoke(avantage_cli, [*arguments, *options, "--lang", lang])


def _one_page(item: dict[str, Any]) -> Answer:
    return lambda request: ok(request, {"items": [item], "next_cursor": None, "total": 1})


def test_an_endless_listing_ends_with_exit_1_and_the_message() -> None:
    with HostileServer(endless(500, 1)) as server:
        result = _invoke(server, "list", "employees")
        english = _invoke(server, "list", "employees", lang="en")
    assert result.exit_code == 1 and result.stdout == ""
    assert "500 éléments reçus alors qu'il en annonçait 1" in result.stderr
    assert "Solution :" in result.stderr and "Traceback" not in result.output
    assert english.exit_code == 1
    assert "500 items received while it announced 1" in english.stderr
    assert server.lists <= 4  # two runs: one page each, and one asked ahead


def _hostile_greeting() -> bytes:
    version = "7.40\x1b]0;pirate\x07\x9b2J"
    return Greeting(version, 1, 65536, crypto=False).to_line().encode() + b"\n"


def _failing_list(request: dict[str, Any]) -> list[bytes]:
    error = {"code": "INVALID", "message": f"limit: {HOSTILE}"}
    return [line({"id": request["id"], "ok": False, "error": error})]


#: The greeting's version as the CLI shows it.
VERSION_ESCAPED = "7.40\\x1b]0;pirate\\x07\\x9b2J"
TRADE = {"code": HOSTILE, "name": "Charpentier", "rates": {HOSTILE: "45.10"}}


@pytest.mark.parametrize(
    ("server_options", "arguments", "shown"),
    [
        (
            {"lister": _one_page({**employee(1), "last_name": HOSTILE})},
            ["list", "employees"],
            ESCAPED,
        ),
        ({"lister": _one_page(TRADE)}, ["list", "trades"], ESCAPED + "=45.10"),
        (
            {"lister": _one_page({**employee(1), "email": HOSTILE})},
            ["list", "employees", "--json"],
            "\\u001b]0;pirate\\u0007\\u001b[2J\\rvisible\\u009b31m\\u007f",
        ),
        ({"lister": _failing_list}, ["list", "employees"], ESCAPED),
        ({"company": {"code": "C", "name": HOSTILE}}, ["ping"], ESCAPED),
        ({"greeting": _hostile_greeting()}, ["ping"], VERSION_ESCAPED),
        ({"greeting": _hostile_greeting(), "login_error": HOSTILE}, ["ping"], ESCAPED),
    ],
    ids=["list", "list-dict", "list-json", "error", "ping-company", "greeting", "diagnostics"],
)
def test_control_characters_from_the_server_are_escaped(
    server_options: dict[str, Any], arguments: list[str], shown: str
) -> None:
    """Everything the server sends is shown with its control characters escaped."""
    with HostileServer(**{"lister": endless(1, 1), **server_options}) as server:
        result = _invoke(server, *arguments)
    printed = result.stdout + result.stderr
    assert _CONTROL.search(printed) is None, repr(printed)
    assert shown in printed
    assert result.exit_code in (0, 1) and "Traceback" not in printed
