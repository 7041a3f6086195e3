"""`make bench`'s table is built from the BENCH-RESULT lines the benches print."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import portal_bench  # noqa: E402
import report  # noqa: E402


def test_a_result_line_carries_every_column(capsys):
    portal_bench.report_result(
        "Sync 10k", 1.8, unit="s", floor=1.5, ratio=1.21, target="≤ 1.5×", met=True
    )
    line = capsys.readouterr().out
    assert line.startswith(portal_bench.RESULT_PREFIX)
    result = json.loads(line.removeprefix(portal_bench.RESULT_PREFIX))
    assert result["figure"] == "Sync 10k"
    assert (result["value"], result["floor"], result["ratio"]) == (1.8, 1.5, 1.21)
    assert (result["target"], result["met"]) == ("≤ 1.5×", True)
    assert len(result["load"].split(", ")) == 3


def test_the_table_says_which_targets_are_missed():
    lines = report.table(
        [
            {"figure": "p95 pages", "value": 1200.0, "unit": "ms", "target": "< 100 ms"},
            {"figure": "erreurs", "value": 0, "target": "0", "met": True, "load": "0.5, 0.4, 0.3"},
            report.failed("export_sheets", "code de sortie 1"),
        ]
    ).splitlines()
    assert lines[0].split() == ["figure", "value", "floor", "ratio", "target", "met", "load"]
    assert "1,200 ms" in lines[2] and lines[2].split()[-1] == "NO"
    assert lines[3].rstrip().endswith("yes  0.5, 0.4, 0.3")
    assert "export_sheets : code de sortie 1" in lines[4] and "NO" in lines[4]


def test_every_bench_script_is_run_by_the_report():
    scripts = {path.stem for path in BENCH.glob("*.py")}
    assert scripts - report.HELPERS == set(report.SCRIPTS)


def test_the_web_service_runs_the_gunicorn_command_the_load_test_measures():
    root = BENCH.parent
    readme = re.search(
        r"`gunicorn (.*?) --bind \S+ 'portal:create_app\(\)'`", (root / "README.md").read_text()
    )
    service = (root / "deploy" / "portal-web.service").read_text().replace("\\\n", " ")
    started = re.search(r"ExecStart=\S+/gunicorn (.*?) --bind \S+ 'portal:create_app\(\)'", service)
    assert readme and started
    assert readme.group(1).split() == started.group(1).split()
    assert "--no-control-socket" in readme.group(1).split()
    # Without it the kept-alive connections pile up on one worker: p95 pages 2-3x (README).
    assert "--reuse-port" in readme.group(1).split()
