"""A real Alertmanager (the distribution's `prometheus-alertmanager`) on a free loopback port,
with a configuration of the caller's: for tests that push lograph's alerts to it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BINARY = "prometheus-alertmanager"
READY_SECONDS = 30.0


def config(webhook_url: str) -> str:
    """Every alert to one webhook at once, resolved ones too, grouped by rule."""
    return f"""
route:
  receiver: lograph-test
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: lograph-test
    webhook_configs:
      - url: "{webhook_url}"
        send_resolved: true
"""


@contextmanager
def running_alertmanager(directory: Path, *, webhook_url: str) -> Iterator[str]:
    """Start Alertmanager, wait until it is ready, yield its base URL; stop it afterwards."""
    binary = shutil.which(BINARY)
    if binary is None:
        message = f"{BINARY} is not installed (apt-get install prometheus-alertmanager)"
        if os.environ.get("LOGRAPH_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and LOGRAPH_REQUIRE_SERVICES=1")
        pytest.skip(message)
    if os.environ.get("LOGRAPH_TEST_CLOCK_SHIFT_DAYS"):
        # make test-future moves Python's clocks only: Alertmanager, a Go program, keeps today's
        # and takes alerts that end 1,200 days ahead for alerts still firing.
        pytest.skip("Alertmanager's clock cannot follow make test-future's")
    (directory / "alertmanager.yml").write_text(config(webhook_url))
    port = _free_port()
    command = [
        binary,
        f"--config.file={directory / 'alertmanager.yml'}",
        f"--storage.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",  # no peers: one instance of its own
    ]
    log = (directory / "alertmanager.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "Alertmanager exited at start"
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("Alertmanager was not ready in time")
