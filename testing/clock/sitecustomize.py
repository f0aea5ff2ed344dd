"""Moves the wall clock of every Python process started with this folder on PYTHONPATH.

`make test-future` runs the whole suite (and the servers it starts) this many days ahead, so a
test that only passes near the day it was written fails here first. Only the wall clock moves
(time.time, datetime.now and their kin); the monotonic clock, which sleeps and timeouts use,
and the database servers' clocks stay where they are.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_DAYS = os.environ.get("LOGRAPH_TEST_CLOCK_SHIFT_DAYS")
if _DAYS:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=int(_DAYS)), tick=True).start()
