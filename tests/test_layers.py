"""Imports point one way: each package may use only the packages below it, so no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each top-level package (or module) may import of the project, besides itself.
ALLOWED: dict[str, set[str]] = {
    "main": {
        "alerts",
        "broker",
        "core",
        "db",
        "graph",
        "ingest",
        "internals",
        "ops",
        "rest",
        "settings",
        "ui",
    },
    "ingest": {"core", "db", "settings"},
    "graph": {"core", "db", "internals", "settings", "ui"},
    "rest": {"core", "db", "settings"},
    "ops": {"core", "db", "internals", "settings", "settings_checks", "ui"},
    "alerts": {"broker", "core", "db", "settings"},
    "core": {"broker", "db", "settings"},
    "broker": set(),
    "db": {"internals", "settings"},
    # The frameworks' internal names, imported through here alone (tests/test_internals.py).
    "internals": set(),
    "settings": {"settings_checks"},
    "settings_checks": set(),
    "testing": set(),
    "ui": set(),
    "bench": {"testing"},
}
PROJECT = set(ALLOWED) | {"tests"}
# The bench modules that run inside what they measure, and so import it; every other bench
# module talks to the app over HTTP. The alert sweep's (no HTTP call runs one sweep and says
# when it is done), and bench.fast_path's, which take one shortcut out of the app it serves.
IN_PROCESS_BENCHES = {
    "bench/alert_sweep.py": {"alerts", "broker", "core", "db", "settings"},
    "bench/grouped_rules.py": {"core", "db"},
    "bench/ablation.py": {"db", "graph", "rest"},
    "bench/ablated.py": {"main"},
}


def _imports(path: Path) -> set[str]:
    """The project's top-level packages this file imports."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & PROJECT


def _files(package: str) -> list[Path]:
    folder = ROOT / package
    if folder.is_dir():
        return sorted(folder.rglob("*.py"))
    return [ROOT / f"{package}.py"]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_lies_below_it(package: str) -> None:
    strays = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(package)
        for name in _imports(path)
        - ALLOWED[package]
        - {package}
        - IN_PROCESS_BENCHES.get(str(path.relative_to(ROOT)), set())
    }
    assert not strays, sorted(strays)


def test_the_allowed_imports_have_no_cycle() -> None:
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for below in ALLOWED[package]:
                visit(below, (*path, package))
            done.add(package)

    for package in ALLOWED:
        visit(package, ())
