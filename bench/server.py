"""The app under test: `uvicorn main:app` subprocesses on free loopback ports, stopped by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

APP_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def launch(*, env: Mapping[str, str], log: IO[bytes], workers: int = 1) -> Server:
    """Start one app process with these environment overrides; it is not ready yet."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "main:app"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
        *("--log-level", "warning", "--no-access-log"),
    ]
    process = subprocess.Popen(
        command,
        cwd=APP_DIR,
        env=os.environ | dict(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches only the bench, which stops the server
    )
    return Server(process, port)


@contextmanager
def running_servers(
    count: int, *, env: Mapping[str, str], workers: int = 1
) -> Iterator[list[Server]]:
    """`count` app processes sharing these settings, all ready; each stopped by PID on exit."""
    with ExitStack() as stack:
        started: list[tuple[Server, IO[bytes]]] = []
        for _ in range(count):
            log: IO[bytes] = stack.enter_context(tempfile.TemporaryFile())
            server = launch(env=env, log=log, workers=workers)
            stack.callback(stop, server.process)
            started.append((server, log))
        for server, output in started:
            wait_until_ready(server, output)
        yield [server for server, _ in started]


@contextmanager
def running_server(*, database_url: str, workers: int = 1) -> Iterator[Server]:
    """One app process on this database, alerts off, ready to serve."""
    env = {"DATABASE_URL": database_url, "ENABLE_ALERTS": "false"}
    with running_servers(1, env=env, workers=workers) as (server,):
        yield server


def wait_until_ready(server: Server, log: IO[bytes]) -> None:
    """Poll /readyz until it answers 200; raise with the server's output if it never does."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"server exited with {server.process.returncode}:\n{_tail(log)}")
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"server not ready after {READY_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: IO[bytes], size: int = 4000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]


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


# The names bench/alert_deployment.py imported before `running_servers` existed.
