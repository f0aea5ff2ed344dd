"""What a real server prints, launched as `make run` launches it: one line per request, and
with LOG_FORMAT=json every line (uvicorn's own included) one JSON object."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx
import orjson
import pytest

from testing.server import APP_DIR, launch, stop, wait_until_ready

MAKEFILE = (APP_DIR / "Makefile").read_text()
OPTIONS = [
    option
    for name in ("UVICORN_LOGGING", "UVICORN_LIMITS")
    for option in shlex.split(re.search(rf"^{name} := (.*)$", MAKEFILE, re.MULTILINE)[1])  # type: ignore[index]
]


def served_lines(tmp_path: Path, *, workers: int = 1, **env: str) -> list[str]:
    """The lines of a server started with the Makefile's options, asked for the stats once."""
    log = tmp_path / "server.log"
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'lograph.db'}", "ENABLE_ALERTS": "false"}
    server = launch(env=settings | env, log=log, workers=workers, options=OPTIONS, quiet=False)
    try:
        wait_until_ready(server)
        httpx.get(f"{server.base_url}/api/v1/stats/", timeout=30).raise_for_status()
    finally:
        stop(server.process)
    return [line for line in log.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_each_request_is_logged_once(tmp_path: Path) -> None:
    lines = served_lines(tmp_path)
    assert len([line for line in lines if "/api/v1/stats/" in line]) == 1, lines


@pytest.mark.slow
def test_json_log_format_makes_every_line_json(tmp_path: Path) -> None:
    lines = served_lines(tmp_path, LOG_FORMAT="json")
    parsed = [orjson.loads(line) for line in lines]
    loggers = {line["logger"] for line in parsed}
    assert {"uvicorn.error", "lograph.access", "lograph.startup"} <= loggers, loggers


@pytest.mark.slow
def test_json_log_format_holds_for_the_workers_supervisor_too(tmp_path: Path) -> None:
    """uvicorn's supervising process never imports the app: `--log-config` sets its format."""
    lines = served_lines(tmp_path, workers=2, LOG_FORMAT="json")
    messages = [orjson.loads(line)["message"] for line in lines]
    assert any(message.startswith("Started parent process") for message in messages), messages
