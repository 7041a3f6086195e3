"""The layers of docs/ARCHITECTURE.md, checked on the source: imports point down only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[1] / "portal"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((PORTAL / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("avantage"), ids=lambda path: path.name)
def test_the_avantage_package_imports_nothing_else_from_portal(path):
    outside = {
        name
        for name in _imports(path)
        if name.startswith("portal") and not name.startswith("portal.avantage")
    }
    assert not outside, f"{path.relative_to(PORTAL)} imports {sorted(outside)}"


#: What a service or a model must not reach for: the request, the HTTP layer, the queue.
FORBIDDEN = ("flask.request", "portal.blueprints", "portal.jobs", "rq")


@pytest.mark.parametrize(
    "path", _modules("services") + _modules("models"), ids=lambda path: path.stem
)
def test_services_and_models_stay_below_http_and_the_queue(path):
    bad = {
        name
        for name in _imports(path)
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    }
    assert not bad, f"{path.relative_to(PORTAL)} imports {sorted(bad)}"
