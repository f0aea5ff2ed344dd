"""Schemathesis against `/openapi.json` of the real app (uvicorn), on each backend: no input may
get a 5xx, and every answer must match its documented schema. Bounded and seeded, so a failure
reproduces; `make fuzz` runs only these."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testing.server import running_server
from testing.services import scratch_postgres_database

pytestmark = pytest.mark.fuzz

SEED = 20261128
EXAMPLES_PER_OPERATION = 150  # about 1,150 cases per backend; stateful ones send several requests
CHECKS = "not_a_server_error,response_schema_conformance"
TIMEOUT_S = 600
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'fuzz.db'}"
    else:
        with scratch_postgres_database() as url:
            yield url


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_no_input_gets_a_server_error_or_an_undocumented_answer(
    backend: str, tmp_path: Path
) -> None:
    schemathesis = Path(sys.executable).with_name("st")
    with database(backend, tmp_path) as url, running_server(database_url=url) as server:
        command = [
            *(str(schemathesis), "run", f"{server.base_url}/openapi.json"),
            *("--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION)),
            *("--seed", str(SEED), "--workers", "1", "--generation-database", "none"),
            *("--request-timeout", "30", "--no-color"),
        ]
        # In the temporary folder: schemathesis and hypothesis keep caches in the working directory.
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=tmp_path,
            env=os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS)},
        )
        log = server.log.read_text(errors="replace")
    print(run.stdout[-3_000:])  # the summary, shown with `pytest -rP`
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "Traceback" not in log, log[-10_000:]
