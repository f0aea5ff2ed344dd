"""A private `redis-server` on a free loopback port, in its own folder, stopped by PID: tests may
freeze or kill it without touching the shared Redis."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import redis

from testing.server import HOST, free_port

READY_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class PrivateRedis:
    process: subprocess.Popen[bytes]
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{HOST}:{self.port}/0"

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and silent, as with a hung server."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@contextmanager
def private_redis(*, password: str = "test-secret") -> Iterator[PrivateRedis]:
    """A fresh, unpersisted Redis requiring `password`; skips (or fails, when every service is
    required) without redis-server."""
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("LOGRAPH_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed and LOGRAPH_REQUIRE_SERVICES=1")
        pytest.skip("redis-server is not installed")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = [
            *(executable, "--port", str(port), "--bind", HOST, "--dir", folder),
            *("--save", "", "--appendonly", "no", "--requirepass", password),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        server = PrivateRedis(process, port, password)
        try:
            _wait_until_ready(server)
            yield server
        finally:
            server.thaw()  # a stopped process would not act on SIGTERM
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_ready(server: PrivateRedis) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with redis.Redis.from_url(server.url, socket_timeout=1) as client:
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline or server.process.poll() is not None:
                    raise
                time.sleep(0.05)
