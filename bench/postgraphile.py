"""PostGraphile 4 with postgraphile-plugin-connection-filter, serving the same scratch database.

`npm install`s both into a temporary folder (removed afterwards: nothing fetched is kept), runs
the `postgraphile` CLI on a free loopback port and stops it by PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from testing.server import HOST, Server, free_port, stop

PACKAGES = ("postgraphile@4", "postgraphile-plugin-connection-filter@2")
READY_TIMEOUT_S = 60.0
INSTALL_TIMEOUT_S = 300.0

# The equivalent of bench.workload.FILTER_QUERY: same conditions (time bounds inclusive), same
# order (timestamp then id, newest first), same page size and fields. `id` is the column (the
# global Node id is `nodeId` by default); `--dynamic-json` returns metadata as a JSON object, as
# lograph does, rather than as a string.
FILTER_QUERY = """
query Filter($service: String!, $level: String!, $start: Datetime!, $end: Datetime!) {
  allLogs(
    filter: {service: {equalTo: $service}, level: {equalTo: $level},
             timestamp: {greaterThanOrEqualTo: $start, lessThanOrEqualTo: $end}}
    orderBy: [TIMESTAMP_DESC, ID_DESC]
    first: %d
  ) { nodes { id timestamp level service message metadata } }
}"""


class InstallError(RuntimeError):
    """npm could not install PostGraphile."""


@contextmanager
def installed() -> Iterator[Path]:
    """The `postgraphile` executable, installed under a temporary folder for the block."""
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm is not on PATH")
    with tempfile.TemporaryDirectory(prefix="lograph-postgraphile-") as folder:
        command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES]
        result = subprocess.run(
            command,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
            env=os.environ | {"npm_config_update_notifier": "false"},
        )
        if result.returncode != 0:
            raise InstallError(f"npm install failed:\n{result.stderr[-2000:]}")
        yield Path(folder) / "node_modules" / ".bin" / "postgraphile"


@contextmanager
def running(executable: Path, dsn: str, log_dir: Path) -> Iterator[Server]:
    """PostGraphile on `dsn`, ready to serve; stopped by PID on exit."""
    port = free_port()
    command = [
        str(executable),
        *("--connection", dsn, "--schema", "public"),
        *("--host", HOST, "--port", str(port)),
        *("--append-plugins", "postgraphile-plugin-connection-filter"),
        "--disable-query-log",
        "--dynamic-json",
        "--use-partitioned-parent",  # `logs` (partitioned), not its partitions
    ]
    log = log_dir / "postgraphile.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=os.environ | {"NODE_ENV": "production"},
        )
    server = Server(process, port, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        stop(process)


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"postgraphile exited:\n{server.log.read_text()[-3000:]}")
            try:
                answer = client.post("/graphql", json={"query": "{ __typename }"})
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"postgraphile not ready:\n{server.log.read_text()[-3000:]}")
