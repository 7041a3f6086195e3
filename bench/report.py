"""``make bench``: run every script of ``bench/`` and print one table of their figures.

Each script prints, besides its own output, one ``BENCH-RESULT {json}`` line per figure
(``portal_bench.report_result``); this runner passes each script its modest default sizes
(``SCRIPTS``), lets the output through, collects those lines and prints the table: figure,
value, floor, ratio, target, met, and the load average when it was measured. A script that
fails or reports nothing is a row too. Exits 1 when a target is missed or a script failed.

``python bench/report.py [--only NAME …]`` (``--only load`` runs the load test alone).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from portal_bench import RESULT_PREFIX, load_average

HERE = Path(__file__).resolve().parent
#: Every bench and the arguments that keep ``make bench`` to a few minutes.
SCRIPTS = {
    "avantage_listing": ["--employees", "100000"],  # the size of the target (0.3 s a run)
    "sync_employees": ["--employees", "2000", "--scales", "1,4"],
    "export_sheets": ["--sheets", "500"],
    "console_page": ["--records", "2000", "--scales", "1,10"],
    "load": ["--seconds", "45"],
}
HELPERS = {"portal_bench", "report", "load_seed", "load_stack", "export_floors"}


def run(name: str, args: list[str]) -> list[dict]:
    """Run ``bench/NAME.py`` (output shown as it comes); its BENCH-RESULT lines, parsed."""
    print(f"\n=== {name} {' '.join(args)}", flush=True)
    command = [sys.executable, str(HERE / f"{name}.py"), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    assert process.stdout is not None
    results = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith(RESULT_PREFIX):
            results.append(json.loads(line.removeprefix(RESULT_PREFIX)))
    if process.wait() != 0:
        results.append(failed(name, f"code de sortie {process.returncode}"))
    elif not results:
        results.append(failed(name, f"aucune ligne {RESULT_PREFIX.strip()}"))
    return results


def failed(name: str, why: str) -> dict:
    return {"figure": f"{name} : {why}", "value": None, "target": "—", "met": False}


def cell(value: object, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value} {unit}".strip()


def table(results: list[dict]) -> str:
    header = ("figure", "value", "floor", "ratio", "target", "met", "load")
    rows = [
        (
            r["figure"],
            cell(r.get("value"), r.get("unit", "")),
            cell(r.get("floor"), r.get("unit", "")),
            cell(r.get("ratio"), "×" if r.get("ratio") is not None else ""),
            str(r.get("target", "")),
            "yes" if r.get("met") else "NO",
            r.get("load", ""),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(SCRIPTS), default=sorted(SCRIPTS))
    wanted = parser.parse_args().only
    unknown = {p.stem for p in HERE.glob("*.py")} - set(SCRIPTS) - HELPERS
    if unknown:
        raise SystemExit(f"bench/report.py ne sait pas lancer : {', '.join(sorted(unknown))}")
    before = load_average()
    results = [result for name in SCRIPTS if name in wanted for result in run(name, SCRIPTS[name])]
    print(
        f"\nMachine : {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} "
        f"cœurs; charge avant {before}, après {load_average()}\n"
    )
    print(table(results))
    sys.exit(0 if all(r.get("met") for r in results) else 1)


if __name__ == "__main__":
    main()
