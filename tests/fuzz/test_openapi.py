"""Schemathesis against `/openapi.json` of the real app (uvicorn), on each backend and once with
API keys required: no input may get a 5xx, every answer must be documented (status, media type,
schema, `Allow` on a 405) and input the schema calls invalid must be refused. Bounded and seeded,
so a failure reproduces; `make fuzz` runs only these.

Not checked: that every input the schema allows is accepted (`positive_data_acceptance`). Some
limits cannot be written in OpenAPI (a message's 64 KiB are bytes, not characters; metadata's
integers within 64 bits at any depth; a start_time after the end_time), so generated data
crosses them and gets a documented 422."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from testing.server import Server, running_servers
from testing.services import scratch_postgres_database

pytestmark = pytest.mark.fuzz

SEED = 20261128
EXAMPLES_PER_OPERATION = 150  # about 1,150 cases per backend; stateful ones send several requests
EXAMPLES_WITH_KEYS = 25  # the same code behind one more check: a smaller run suffices
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "unsupported_method",
        "allow_header_conformance",
    ]
)
TIMEOUT_S = 600
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'fuzz.db'}"
    else:
        with scratch_postgres_database() as url:
            yield url


@contextmanager
def server(url: str, *, env: Mapping[str, str] = {}) -> Iterator[Server]:
    settings = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **env}
    with running_servers(1, env=settings) as (started,):
        yield started


def fuzz(server: Server, folder: Path, *, examples: int, headers: Mapping[str, str] = {}) -> None:
    """Run schemathesis against the server; fail with its report, or on a logged traceback."""
    schemathesis = Path(sys.executable).with_name("st")
    command = [
        *(str(schemathesis), "run", f"{server.base_url}/openapi.json"),
        *("--checks", CHECKS, "--max-examples", str(examples)),
        *("--seed", str(SEED), "--workers", "1", "--generation-database", "none"),
        *("--request-timeout", "30", "--no-color"),
        *(option for name, value in headers.items() for option in ("-H", f"{name}: {value}")),
    ]
    # In the temporary folder: schemathesis and hypothesis keep caches in the working directory.
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=folder,
        env=os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS)},
    )
    log = server.log.read_text(errors="replace")
    print(run.stdout[-3_000:])  # the summary, shown with `pytest -rP`
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "Traceback" not in log, log[-10_000:]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_no_input_gets_a_server_error_or_an_undocumented_answer(
    backend: str, tmp_path: Path
) -> None:
    with database(backend, tmp_path) as url, server(url) as started:
        fuzz(started, tmp_path, examples=EXAMPLES_PER_OPERATION)


@pytest.mark.slow
def test_with_keys_required_a_keyed_client_gets_only_documented_answers(tmp_path: Path) -> None:
    """AUTH_REQUIRED=true, every request carrying the bootstrap key: each route is reached past
    the key check (every scope), and answers as documented there too."""
    key = "fuzz-bootstrap-key-0123456789"
    env = {"AUTH_REQUIRED": "true", "ADMIN_API_KEY": key}
    with database("sqlite", tmp_path) as url, server(url, env=env) as started:
        fuzz(
            started,
            tmp_path,
            examples=EXAMPLES_WITH_KEYS,
            headers={"Authorization": f"Bearer {key}"},
        )
