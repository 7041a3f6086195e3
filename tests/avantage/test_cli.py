"""``portal avantage ping|list`` and ``portal avantage-sim``."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

from click.testing import CliRunner

from portal.avantage import AvantageClient
from portal.avantage.cli import avantage_cli, simulator_command
from tests.avantage.peers import closed_port
from tests.simulator_fixtures import RunningSimulator


def _options(simulator: RunningSimulator, **changes: str) -> list[str]:
    values = {
        "--url": simulator.url,
        "--user": simulator.user,
        "--password": simulator.password,
        "--key": simulator.key or "",
        **changes,
    }
    return [item for pair in values.items() for item in pair]


def test_commands_are_named_for_the_portal_cli() -> None:
    assert avantage_cli.name == "avantage"
    assert simulator_command.name == "avantage-sim"


def test_ping_prints_version_encryption_company_and_round_trip(simulator) -> None:
    result = CliRunner().invoke(avantage_cli, ["ping", *_options(simulator)], env={"LANG": "fr"})
    assert result.exit_code == 0, result.output
    assert "Version MainTCP : 7.40" in result.output
    assert "Chiffrement : activé" in result.output
    assert "Construction Bélanger inc. (CONST-BEL)" in result.output
    assert re.search(r"Aller-retour : \d+,\d\u00a0ms", result.output)  # a French decimal comma


def test_ping_in_english(simulator) -> None:
    result = CliRunner().invoke(avantage_cli, ["ping", *_options(simulator), "--lang", "en"])
    assert result.exit_code == 0 and "Encryption: on" in result.output
    assert re.search(r"Round trip: \d+\.\d ms", result.output)


def test_ping_failure_prints_message_and_fix_without_traceback(simulator) -> None:
    result = CliRunner().invoke(
        avantage_cli,
        ["ping", *_options(simulator, **{"--password": "wrong"})],
        env={"LANG": "fr_CA.UTF-8"},
    )
    assert result.exit_code == 1
    assert "a refusé l'utilisateur" in result.stderr and "Solution :" in result.stderr
    assert "✘ login" in result.stderr
    assert "Traceback" not in result.output and "wrong" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ping_closed_port_in_english_from_lang() -> None:
    with closed_port() as (host, port):
        result = CliRunner().invoke(
            avantage_cli,
            [
                "ping",
                "--url",
                f"tcp://{host}:{port}",
                "--user",
                "u",
                "--password",
                "p",
                "--timeout",
                "1",
            ],
            env={"LANG": "en_US.UTF-8"},
        )
    assert result.exit_code == 1
    assert f"Test-NetConnection localhost -Port {port}" in result.stderr
    assert "refused the connection" in result.stderr


def test_connection_options_come_from_the_environment(simulator) -> None:
    env = {
        "AVANTAGE_URL": simulator.url,
        "AVANTAGE_USER": simulator.user,
        "AVANTAGE_PASSWORD": simulator.password,
        "AVANTAGE_KEY": simulator.key,
    }
    result = CliRunner().invoke(avantage_cli, ["ping"], env=env)
    assert result.exit_code == 0, result.output
    assert "CONST-BEL" in result.output


def test_a_bad_url_is_a_usage_error(simulator) -> None:
    result = CliRunner().invoke(
        avantage_cli,
        ["ping", *_options(simulator, **{"--url": "http://x:2131"})],
        env={"LANG": "fr"},
    )
    assert result.exit_code == 2 and "tcp://" in result.output


def test_list_json_streams_one_object_per_line(simulator) -> None:
    result = CliRunner().invoke(avantage_cli, ["list", "employees", *_options(simulator), "--json"])
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.output.splitlines()]
    assert len(items) == 120 and items[16]["number"] == "01017"


def test_list_readable_lines(simulator) -> None:
    result = CliRunner().invoke(
        avantage_cli, ["list", "activities", *_options(simulator), "--project", "24-102"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 8 and lines[0].startswith("24-102  01-100  Organisation de chantier")
    employees = CliRunner().invoke(avantage_cli, ["list", "employees", *_options(simulator)])
    assert "' 1023'" in employees.output  # a stray space is shown, not hidden


def test_list_failure_exits_1(simulator) -> None:
    result = CliRunner().invoke(
        avantage_cli, ["list", "activities", *_options(simulator)], env={"LANG": "en"}
    )
    assert result.exit_code == 1 and "project" in result.stderr


def test_the_simulator_command_serves_until_interrupted() -> None:
    command = [
        sys.executable,
        "-c",
        "from portal.avantage.cli import simulator_command; simulator_command()",
        "--port",
        "0",
        "--user",
        "demo",
        "--password",
        "demo-pw",
        "--key",
        "abcde",
        "--employees",
        "30",
        "--projects",
        "3",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        host, port = re.search(r"tcp://([\d.]+):(\d+)", first_line).groups()  # type: ignore[union-attr]
        with AvantageClient(host, int(port), "demo", "demo-pw", "abcde", timeout=5) as client:
            assert sum(1 for _ in client.iter_items("employees")) == 30
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Simulator stopped." in stdout
    assert "Traceback" not in stderr
    assert re.search(r"127\.0\.0\.1:\d+: QUIT after 3 frames", stderr)
