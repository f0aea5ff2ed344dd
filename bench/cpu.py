"""CPU time of processes, read from /proc, to tell whether client, server or database was busy."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")
MAX_TREE = 1000  # processes: far more than a uvicorn supervisor and its workers


def process_cpu_seconds(pid: int) -> float:
    """User plus system time of one process; 0 when it is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        text = (_PROC / str(pid) / "task" / str(pid) / "children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its living descendants (the first MAX_TREE of them)."""
    pending, total = [pid], 0.0
    for _ in range(MAX_TREE):
        if not pending:
            break
        current = pending.pop()
        total += process_cpu_seconds(current)
        pending.extend(_children(current))
    return total


def postgres_cpu_by_pid() -> dict[int, float]:
    """CPU time of every PostgreSQL process on this machine (the server is shared)."""
    return {
        int(entry.name): process_cpu_seconds(int(entry.name))
        for entry in _PROC.iterdir()
        if entry.name.isdigit() and _command(entry) == "postgres"
    }


def postgres_cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """Per process, so that a backend or worker that ended in between (its time is gone with
    it) does not subtract its whole life from the rest; one that started counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _command(entry: Path) -> str:
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return ""


@dataclass(slots=True)
class CpuUsage:
    """Busy share of one core (100 = one core flat out) per party, over a measured stretch."""

    client: float = 0.0
    server: float = 0.0
    postgres: float = 0.0
    machine: float = 0.0

    @property
    def other(self) -> float:
        """Everything else busy meanwhile: other users' work, short-lived postgres workers."""
        return max(self.machine - self.client - self.server - self.postgres, 0.0)

    def describe(self) -> str:
        return (
            f"CPU (% of one core): server {self.server:.0f}, client {self.client:.0f}, "
            f"postgres {self.postgres:.0f}, other {self.other:.0f}"
        )


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling, since boot."""
    ticks = [int(value) for value in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks[:8]) - idle - iowait) / _TICKS


def _sample(server_pid: int) -> tuple[tuple[float, ...], dict[int, float]]:
    times = (
        time.perf_counter(),
        time.process_time(),
        tree_cpu_seconds(server_pid),
        machine_busy_seconds(),
    )
    return times, postgres_cpu_by_pid()


@contextmanager
def cpu_meter(server_pid: int) -> Iterator[CpuUsage]:
    """Fill the yielded usage, on exit, with what each party burnt while the block ran."""
    usage = CpuUsage()
    before, postgres_before = _sample(server_pid)
    yield usage
    after, postgres_after = _sample(server_pid)
    wall, client, server, machine = (end - start for end, start in zip(after, before, strict=True))
    spent = (client, server, postgres_cpu_spent(postgres_before, postgres_after), machine)
    if wall > 0:
        usage.client, usage.server, usage.postgres, usage.machine = (
            100 * value / wall for value in spent
        )


def wait_until_quiet(*, threshold: float, timeout_s: float, probe_s: float = 1.0) -> None:
    """Wait, at most `timeout_s`, until the machine stays under `threshold`% of a core busy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = machine_busy_seconds()
        time.sleep(probe_s)
        if 100 * (machine_busy_seconds() - before) / probe_s < threshold:
            return
