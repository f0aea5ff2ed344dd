"""Real `uvicorn main:app` processes on free loopback ports, started and stopped by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def servers(count: int, *, env: dict[str, str], log_dir: Path) -> Iterator[list[Server]]:
    """Start `count` app processes together with these settings; all ready, or the test fails."""
    with ExitStack() as stack:
        started = []
        for index in range(count):
            path = log_dir / f"server-{index}.log"
            log = stack.enter_context(path.open("w+b"))
            server = _start(env=env, log=log, path=path)
            stack.callback(_stop, server.process)
            started.append((server, log))
        for server, log in started:
            _wait_until_ready(server, log)
        yield [server for server, _ in started]


def _start(*, env: dict[str, str], log: IO[bytes], path: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT
    )
    return Server(process, port, path)


def _wait_until_ready(server: Server, log: IO[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.http, timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
    log.seek(0)
    raise AssertionError(f"server on {server.port} not ready:\n{log.read().decode()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
