"""The frameworks' internals that lograph relies on (internals/) are still there, shaped as
relied on, in the versions requirements.txt pins; and every package the code imports is pinned."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from importlib import metadata
from pathlib import Path

import pytest

from internals import Shape

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ["strawberry", "graphql_core", "starlette", "uvicorn"]
# Packages the code imports under another name than the one it is installed by.
DISTRIBUTIONS = {
    "graphql": "graphql-core",
    "strawberry": "strawberry-graphql",
    "yaml": "PyYAML",
    "google": "googleapis-common-protos",
    "psycopg2": "psycopg2-binary",
    "opentelemetry": "opentelemetry-proto",
    "dotenv": "python-dotenv",
    "pydantic_settings": "pydantic-settings",
    "prometheus_client": "prometheus-client",
    "cross_web": "cross-web",
}
# The service's own code: what it imports must be in requirements.txt.
SERVICE = ["alerts", "broker", "core", "db", "graph", "ingest", "internals", "ops", "rest", "ui"]
OURS = {*SERVICE, "main", "settings", "settings_checks", "testing", "tests", "bench"}


def pins() -> dict[str, str]:
    """requirements.txt's `name==version` lines, by normalised name."""
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pinned[_normal(name.split("[", 1)[0])] = version.strip()
    return pinned


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@pytest.mark.parametrize("name", sorted(pins()))
def test_the_installed_version_is_the_pinned_one(name: str) -> None:
    assert metadata.version(name) == pins()[name]


def _imported_packages() -> set[str]:
    names: set[str] = set()
    files = [path for package in SERVICE for path in (ROOT / package).rglob("*.py")]
    for path in [*files, ROOT / "main.py", ROOT / "settings.py", ROOT / "settings_checks.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - OURS - set(sys.stdlib_module_names)


def test_every_package_the_service_imports_is_pinned() -> None:
    pinned = pins()
    unpinned = {
        name
        for name in _imported_packages()
        if _normal(DISTRIBUTIONS.get(name, name)) not in pinned
    }
    assert not unpinned, sorted(unpinned)


def _shapes() -> list[tuple[str, Shape]]:
    return [
        (framework, shape)
        for framework in FRAMEWORKS
        for shape in importlib.import_module(f"internals.{framework}").SHAPES
    ]


def _label(item: tuple[str, Shape]) -> str:
    framework, shape = item
    owner = getattr(shape.owner, "__qualname__", repr(shape.owner))
    return f"{framework}:{owner}.{shape.name}".rstrip(".")


@pytest.mark.parametrize("item", _shapes(), ids=_label)
def test_each_relied_on_shape_still_holds(item: tuple[str, Shape]) -> None:
    _, shape = item
    if shape.fields is not None:
        assert shape.owner._fields == shape.fields
        return
    if shape.set_in is not None:
        assert f"self.{shape.name}" in inspect.getsource(shape.set_in)
        return
    target = shape.owner if shape.name == "__call__" else getattr(shape.owner, shape.name)
    if shape.parameters is not None:
        parameters = list(inspect.signature(target).parameters)
        assert parameters[1 if parameters[:1] == ["self"] else 0 :] == list(shape.parameters)
