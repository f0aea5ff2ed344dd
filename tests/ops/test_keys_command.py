"""AUTH_REQUIRED with no key anywhere refuses to start; `python -m ops.keys create` makes the
first key from the shell, and a server requiring keys takes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from testing.server import APP_DIR, running_servers
from tests.ops.test_startup import failed_start

LOCKED_OUT = (
    "lograph: AUTH_REQUIRED is true, but ADMIN_API_KEY is unset and no API key exists: "
    "set ADMIN_API_KEY, or create a key with `python -m ops.keys create --name NAME --scope ADMIN`"
)


def keys_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.keys", *args],
        cwd=APP_DIR,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_keys_required_with_no_key_anywhere_refuse_to_start(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'lograph.db'}"
    code, lines = failed_start(tmp_path, DATABASE_URL=database, AUTH_REQUIRED="true")
    assert code != 0
    [line] = [line for line in lines if "lograph:" in line]
    assert line.endswith(LOCKED_OUT)
    assert lines[-1] == line


@pytest.mark.slow
def test_a_key_created_from_the_shell_opens_a_server_that_requires_keys(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'lograph.db'}"
    created = keys_command(
        database, "create", "--name", "shipper", "--scope", "INGEST", "--scope", "READ"
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("lg_")
    assert "shown once" in created.stderr
    env = {"DATABASE_URL": database, "ENABLE_ALERTS": "false", "AUTH_REQUIRED": "true"}
    with running_servers(1, env=env) as (server,):
        stats = f"{server.base_url}/api/v1/stats/"
        assert httpx.get(stats, timeout=30).status_code == 401
        assert httpx.get(stats, headers={"x-api-key": key}, timeout=30).status_code == 200


@pytest.mark.slow
def test_a_taken_name_is_refused_in_one_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'lograph.db'}"
    assert keys_command(database, "create", "--name", "ops", "--scope", "ADMIN").returncode == 0
    again = keys_command(database, "create", "--name", "ops", "--scope", "ADMIN")
    assert again.returncode == 2
    assert again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        "lograph: invalid --name: a key of that name exists (names are never reused)"
    ]
