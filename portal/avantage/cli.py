"""Command line: ``portal avantage ping|list`` and ``portal avantage-sim``.

Connection options also come from AVANTAGE_URL, AVANTAGE_USER, AVANTAGE_PASSWORD and
AVANTAGE_KEY so secrets stay out of shell history. Messages are French unless
``--lang en`` (or LANG starts with ``en``).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from portal.avantage.client import AvantageClient
from portal.avantage.endpoint import EndpointError, parse_endpoint
from portal.avantage.errors import AvantageError
from portal.avantage.simulator import SimulatorConfig, SimulatorServer
from portal.avantage.steps import StepStatus

#: The fields shown per entity by ``list`` without ``--json``.
SUMMARY_FIELDS = {
    "projects": ("id", "status", "name", "customer"),
    "employees": ("number", "last_name", "first_name", "trade", "competency", "active"),
    "trades": ("code", "name", "rates"),
    "hour_types": ("code", "name", "multiplier"),
    "earnings": ("code", "name", "kind", "unit", "rate"),
    "activities": ("project", "code", "name", "unit"),
    "budget": ("project", "activity", "budget_hours", "budget_amount", "actual_amount"),
    "suppliers": ("code", "name", "phone", "active"),
    "purchase_orders": ("number", "project", "supplier", "date", "status", "total"),
    "timesheet_entries": ("batch", "line", "employee", "date", "project", "hours", "amount"),
}
_STATUS_MARKS = {StepStatus.PASSED: "✔", StepStatus.FAILED: "✘", StepStatus.NOT_REACHED: "·"}
#: C0 controls, DEL and C1 controls (``\x9b`` is a one-character CSI): server text holding
#: them could retitle, clear or rewrite the terminal, so they are shown escaped.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _say(text: str, *, err: bool = False) -> None:
    """Print one line that may hold server text, its control characters as ``\\xNN``."""
    click.echo(_CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}", text), err=err)


def _json_line(item: dict[str, Any]) -> str:
    """One item as JSON; DEL and C1 too become ``\\uNNNN`` (json escapes only C0)."""
    text = json.dumps(item, ensure_ascii=False)
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _language(lang: str | None) -> str:
    if lang:
        return lang
    return "en" if os.environ.get("LANG", "").lower().startswith("en") else "fr"


def _connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--url",
            envvar="AVANTAGE_URL",
            required=True,
            help="tcp://HOST:PORT of MainTCP (AVANTAGE_URL).",
        ),
        click.option(
            "--user", envvar="AVANTAGE_USER", required=True, help="MainTCP user (AVANTAGE_USER)."
        ),
        click.option(
            "--password",
            envvar="AVANTAGE_PASSWORD",
            required=True,
            help="MainTCP password (AVANTAGE_PASSWORD).",
        ),
        click.option(
            "--key",
            envvar="AVANTAGE_KEY",
            default=None,
            help="Encryption key, when MainTCP encrypts (AVANTAGE_KEY).",
        ),
        click.option(
            "--timeout",
            type=float,
            default=10.0,
            show_default=True,
            help="Seconds to wait at each step.",
        ),
        click.option(
            "--lang",
            type=click.Choice(["fr", "en"]),
            default=None,
            help="Language of messages (default: French, English if LANG=en*).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _client(
    url: str, user: str, password: str, key: str | None, timeout: float, lang: str
) -> AvantageClient:
    try:
        host, port = parse_endpoint(url)
    except EndpointError as error:
        raise click.BadParameter(error.message(lang), param_hint="--url") from None
    return AvantageClient(host, port, user, password, key or None, timeout=timeout)


def _fail(error: AvantageError, lang: str) -> None:
    """Print the typed error's message, fix and diagnostics, then exit 1 (no traceback)."""
    _say(error.message(lang), err=True)
    _say(("Solution : " if lang == "fr" else "Fix: ") + error.fix(lang), err=True)
    for result in error.diagnostics:
        _say(f"  {_STATUS_MARKS[result.status]} {result.step.value} {result.detail}", err=True)
    raise SystemExit(1)


@click.group("avantage")
def avantage_cli() -> None:
    """Talk to an Avantage MainTCP server."""


@avantage_cli.command("ping")
@_connection_options
def ping_command(
    url: str, user: str, password: str, key: str | None, timeout: float, lang: str | None
) -> None:
    """Connect, log in and PING: version, encryption, company and round trip."""
    lang = _language(lang)
    client = _client(url, user, password, key, timeout, lang)
    try:
        with client:
            result = client.ping()
    except AvantageError as error:
        _fail(error, lang)
        return
    assert client.greeting is not None and client.company is not None
    french = lang == "fr"
    crypto = (
        ("activé (AES-256-GCM)" if french else "on (AES-256-GCM)")
        if (client.greeting.crypto)
        else ("désactivé" if french else "off")
    )
    company = f"{client.company.get('name')} ({client.company.get('code')})"
    rows = [
        ("Version MainTCP" if french else "MainTCP version", client.greeting.version),
        ("Chiffrement" if french else "Encryption", crypto),
        ("Entreprise" if french else "Company", company),
        ("Aller-retour" if french else "Round trip", _milliseconds(result.round_trip, french)),
    ]
    for label, value in rows:
        _say(f"{label} : {value}" if french else f"{label}: {value}")


def _milliseconds(seconds: float, french: bool) -> str:
    """A round trip as the reader writes it: « 1,8 ms » in French, « 1.8 ms » in English."""
    text = f"{seconds * 1000:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0ms" if french else text + " ms"


@avantage_cli.command("list")
@click.argument("entity")
@_connection_options
@click.option("--project", default=None, help="Project id, for per-project entities.")
@click.option("--since", default=None, help="Only records changed after this ISO timestamp.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(
    entity: str,
    url: str,
    user: str,
    password: str,
    key: str | None,
    timeout: float,
    lang: str | None,
    project: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """Stream every item of ENTITY (employees, projects, trades, …)."""
    lang = _language(lang)
    client = _client(url, user, password, key, timeout, lang)
    fields = SUMMARY_FIELDS.get(entity)
    try:
        with client:
            for item in client.iter_items(entity, project=project, since=since):
                if as_json:
                    click.echo(_json_line(item))
                else:
                    shown = fields or [name for name in item if name != "updated_at"]
                    _say("  ".join(_readable(item.get(name)) for name in shown))
    except AvantageError as error:
        _fail(error, lang)


def _readable(value: object) -> str:
    if isinstance(value, str):
        return value if value == value.strip() and value else repr(value)
    if isinstance(value, dict):
        return ",".join(f"{name}={item}" for name, item in value.items())
    return "-" if value is None else str(value)


@click.command("avantage-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=2131, show_default=True)
@click.option("--user", envvar="AVANTAGE_SIM_USER", required=True)
@click.option("--password", envvar="AVANTAGE_SIM_PASSWORD", required=True)
@click.option(
    "--key",
    envvar="AVANTAGE_SIM_KEY",
    default=None,
    help="Encryption password (crypto=on); none means crypto=off.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--employees", type=int, default=120, show_default=True)
@click.option("--projects", type=int, default=12, show_default=True)
@click.option("--activities", type=int, default=8, show_default=True)
@click.option("--suppliers", type=int, default=20, show_default=True)
@click.option("--purchase-orders", type=int, default=40, show_default=True)
@click.option("--latency-ms", type=int, default=0, help="Added before every response.")
@click.option("--drop-after", type=int, default=None, help="Drop a connection after N frames.")
@click.option(
    "--garbage-every", type=int, default=None, help="Garbage instead of every Nth response."
)
@click.option("--max-sessions", type=int, default=8, show_default=True)
@click.option("--buffer", type=int, default=65536, show_default=True)
@click.option("--slow-start", type=float, default=0.0, help="Seconds before the greeting.")
@click.option("--idle-timeout", type=float, default=60.0, show_default=True)
@click.option(
    "--reversal/--no-reversal",
    default=True,
    show_default=True,
    help="Announce and accept reversal lines (features=reversal); off plays an older server.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path),
    default=None,
    help="JSON file keeping batches and posted lines across restarts.",
)
def simulator_command(**options: Any) -> None:
    """Run the MainTCP simulator in the foreground (Ctrl-C stops it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = SimulatorConfig(**options)
    server = SimulatorServer(config)

    def announce(address: tuple[str, int]) -> None:
        click.echo(
            f"MainTCP simulator on tcp://{address[0]}:{address[1]} "
            f"(crypto={'on' if config.key else 'off'}, {config.employees} employees, "
            f"{config.projects} projects); Ctrl-C to stop."
        )

    server.serve_forever(on_ready=announce)
    click.echo("Simulator stopped.")
