"""`make test-future` moves the wall clock of the suite and of every process it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLOCK = Path(__file__).resolve().parent.parent / "testing" / "clock"
DAY = 86_400
READ_CLOCKS = """
import threading, time
from datetime import UTC, datetime
waited = time.monotonic()
threading.Event().wait(0.05)  # timed waits run on the monotonic clock, which stays
print(time.time(), datetime.now(UTC).timestamp(), time.monotonic() - waited)
"""


def read_clocks(**env: str) -> tuple[float, float, float]:
    """A new process's wall clock (two ways) and how long its 50 ms wait took."""
    unshifted = {k: v for k, v in os.environ.items() if k != "LOGRAPH_TEST_CLOCK_SHIFT_DAYS"}
    printed = subprocess.run(
        [sys.executable, "-c", READ_CLOCKS],
        env=unshifted | env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall, aware, waited = (float(value) for value in printed.split())
    return wall, aware, waited


def test_a_started_process_reads_a_wall_clock_days_ahead_and_waits_as_usual() -> None:
    now, _, _ = read_clocks()  # this suite's own clock may be shifted already
    wall, aware, waited = read_clocks(LOGRAPH_TEST_CLOCK_SHIFT_DAYS="1200", PYTHONPATH=str(CLOCK))
    for reading in (wall, aware):
        assert 1199 * DAY < reading - now < 1201 * DAY
    assert 0.05 <= waited < 30
