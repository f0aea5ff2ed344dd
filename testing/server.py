"""The app as a real server: `uvicorn main:app` subprocesses on free loopback ports, stopped
by PID. Benchmarks and the multi-process tests both start it through here."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

APP_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path  # what the process printed

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{HOST}:{self.port}/graphql"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


QUIET = ("--log-level", "warning", "--no-access-log")


def launch(
    *,
    env: Mapping[str, str],
    log: Path,
    workers: int = 1,
    options: Sequence[str] = (),
    quiet: bool = True,
    app: str = "main:app",
) -> Server:
    """Start one app process with these environment overrides and uvicorn `options`; it is not
    ready yet. Unless `quiet`, it logs as `make run` does (info lines, access lines)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", app),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
        *(QUIET if quiet else ()),
        *options,
    ]
    quiet_env = {"ACCESS_LOG": "false"} if quiet else {}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=APP_DIR,
            env=os.environ | quiet_env | dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only the bench, which stops the server
        )
    return Server(process, port, log)


@contextmanager
def running_servers(
    count: int,
    *,
    env: Mapping[str, str],
    workers: int = 1,
    log_dir: Path | None = None,
    options: Sequence[str] = (),
    app: str = "main:app",
) -> Iterator[list[Server]]:
    """`count` app processes sharing these settings, all ready; each stopped by PID on exit."""
    with ExitStack() as stack:
        folder = log_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        started = []
        for index in range(count):
            log = folder / f"server-{index}.log"
            server = launch(env=env, log=log, workers=workers, options=options, app=app)
            stack.callback(stop, server.process)
            started.append(server)
        for server in started:
            wait_until_ready(server)
        yield started


def production_options() -> list[str]:
    """The uvicorn options production serves with: the Makefile's UVICORN_LIMITS."""
    makefile = (APP_DIR / "Makefile").read_text()
    found = re.search(r"^UVICORN_LIMITS := (.*)$", makefile, re.MULTILINE)
    if found is None:
        raise RuntimeError("the Makefile defines no UVICORN_LIMITS")
    return shlex.split(found[1])


@contextmanager
def running_server(
    *,
    database_url: str,
    workers: int = 1,
    options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """One app process on this database, alerts off unless `env` says, ready to serve."""
    settings = {"DATABASE_URL": database_url, "ENABLE_ALERTS": "false", **(env or {})}
    with running_servers(1, env=settings, workers=workers, options=options) as (server,):
        yield server


def wait_until_ready(server: Server) -> None:
    """Poll /readyz until it answers 200; raise with the server's output if it never does."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {server.process.returncode}:\n{_tail(server.log)}"
                )
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"server not ready after {READY_TIMEOUT_S:.0f} s:\n{_tail(server.log)}")


def _tail(log: Path, size: int = 4000) -> str:
    return log.read_text(errors="replace")[-size:]


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn's graceful stop, which also ends its workers), then SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
