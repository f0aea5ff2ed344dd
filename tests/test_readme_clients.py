"""The client examples of the README and docs/ say what to install, and their JavaScript clients
work on Node.js 20, which has no global WebSocket.

Running the live-tail example needs Node.js and the npm packages it names (`graphql-ws`, `ws`):
`make setup` installs them into tests/clients/ from its package-lock.json.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.metadata
import importlib.util
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from testing.server import running_server
from tests.documents import examples

JS_EXAMPLES = examples("js")
NODE_CLIENTS = [example for example in JS_EXAMPLES if 'from "graphql-ws"' in example]
TAIL_EXAMPLE = next(example for example in NODE_CLIENTS if "logs(filter:" in example)
PYTHON_EXAMPLES = examples("python")
NODE_MODULES = Path(__file__).parent / "clients" / "node_modules"
README_URL = "ws://127.0.0.1:8000/graphql"
WAIT_S = 60.0


@pytest.mark.slow
@pytest.mark.parametrize("example", [e for e in PYTHON_EXAMPLES if "opentelemetry" in e])
def test_python_examples_name_every_package_they_import(example: str) -> None:
    """The OpenTelemetry snippet imported LoggingHandler without naming its package."""
    installs = re.findall(r"^# pip install (.*)$", example, flags=re.MULTILINE)
    named = {name for line in installs for name in line.split()}
    needed = {_distribution(module) for module in _imports(example)} - {None}
    assert needed, "the example imports no installed package"
    assert needed <= named, needed - named


def _imports(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def _distribution(module: str) -> str | None:
    """The installed distribution whose files hold `module` (None for the standard library)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None, module
    assert spec.origin is not None, module
    origin = Path(spec.origin).resolve()
    for distribution in importlib.metadata.distributions():
        for file in distribution.files or ():
            if Path(str(distribution.locate_file(file))).resolve() == origin:
                return str(distribution.metadata["Name"])
    return None


def test_the_docs_have_node_clients() -> None:
    assert len(NODE_CLIENTS) >= 2


@pytest.mark.parametrize("example", NODE_CLIENTS)
def test_every_graphql_ws_client_gives_node_20_a_websocket(example: str) -> None:
    """graphql-ws throws `WebSocket implementation missing` on Node.js 20 without one."""
    assert 'import WebSocket from "ws";' in example
    assert "webSocketImpl: WebSocket" in example


@pytest.mark.slow
def test_the_live_tail_example_prints_a_new_log_on_node(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js runs the docs' JavaScript examples"
    (tmp_path / "node_modules").symlink_to(NODE_MODULES)
    with running_server(database_url=f"sqlite:///{tmp_path / 'lograph.db'}") as server:
        script = tmp_path / "tail.mjs"
        script.write_text(TAIL_EXAMPLE.replace(README_URL, server.ws))
        tail = subprocess.Popen(
            [node, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            printed = _printed(tail)
            deadline = time.monotonic() + WAIT_S
            seen: list[str] = []
            while not any("from the README test" in line for line in seen):
                assert time.monotonic() < deadline, seen
                log = {"level": "ERROR", "service": "readme", "message": "from the README test"}
                httpx.post(f"{server.base_url}/api/v1/logs/", json=log).raise_for_status()
                with contextlib.suppress(queue.Empty):
                    seen.append(printed.get(timeout=1.0))
            assert not any("WebSocket implementation missing" in line for line in seen), seen
        finally:
            tail.kill()
            tail.wait()


def _printed(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's output lines as they come, read by a thread (pipes have no timeout)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines
