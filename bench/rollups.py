"""After a bulk load: wait for the app to fold the load's rollup deltas, then vacuum the rollups.

A COPY of millions of logs leaves millions of per-minute deltas (migration 0010) that the app's
background fold (`core/compactor.py`) takes in over the next minute or so. Measuring before
that measures the fold: it keeps PostgreSQL busy, and every rollup read adds the unfolded
deltas in. A log store reaches the folded state within a minute of any load, so the benchmarks
measure that state, and report how long the fold took to get there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg2.extensions

POLL_S = 2.0
FOLD_TIMEOUT_S = 1800.0  # far beyond the ~1 minute the fold of a 10M-row load takes


class FoldTimeout(RuntimeError):
    """The app did not fold the deltas in time: the numbers after would measure the fold."""


@dataclass(frozen=True, slots=True)
class Folded:
    deltas: int  # deltas left when the load ended
    fold_s: float  # until the app had folded them all
    vacuum_s: float  # VACUUM ANALYZE of the rollups after


def settle_rollups(connection: psycopg2.extensions.connection) -> Folded:
    """Wait until no delta is left, then VACUUM ANALYZE the rollups: the fold's updates leave
    dead row versions that autovacuum would have cleared by the time anyone reads them."""
    connection.autocommit = True
    started = time.perf_counter()
    with connection.cursor() as cursor:
        first = left = _deltas(cursor)
        while left:
            if time.perf_counter() - started > FOLD_TIMEOUT_S:
                raise FoldTimeout(f"{left:,} of {first:,} rollup deltas still unfolded")
            time.sleep(POLL_S)
            left = _deltas(cursor)
        folded = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE) log_counts, log_counts_minute, log_counts_delta")
    return Folded(first, folded - started, time.perf_counter() - folded)


def _deltas(cursor: psycopg2.extensions.cursor) -> int:
    cursor.execute("SELECT count(*) FROM log_counts_delta")
    (count,) = cursor.fetchone()
    return int(count)


def describe(folded: Folded) -> str:
    """The note that goes with the numbers."""
    return (
        f"After the load the app's background fold took its {folded.deltas:,} rollup deltas "
        f"in within {folded.fold_s:.0f} s (polled every {POLL_S:g} s); nothing was measured "
        f"before that. VACUUM ANALYZE of the rollups then: {folded.vacuum_s:.1f} s."
    )
