"""The rollups as readers must see them, and the fold that keeps their deltas few.

On PostgreSQL writers append per-minute deltas instead of updating the rollups (migration
0010). A rollup's count is its row plus every delta of its bucket, summed in the same
statement as the rows themselves: one snapshot sees a fold either wholly done or not begun.
"""

from __future__ import annotations

from sqlalchemy import Connection, Subquery, Table, select, text, union_all

from db.models import log_counts_delta

_FOLD = text("SELECT log_rollups_fold(:max_deltas)")
# Folds delete every delta they take; without this the readers' scans would cross dead rows
# until autovacuum came by. SKIP_LOCKED: when autovacuum is at it already, leave it to it.
_VACUUM = text("VACUUM (SKIP_LOCKED) log_counts_delta")


def with_deltas(rollup: Table) -> Subquery:
    """The rollup's rows and the deltas as one relation of the rollup's columns: (bucket,
    level, service, count), or (bucket, level, count) for a level rollup.

    Delta buckets are minutes; readers of an hourly rollup ask for hour-aligned ranges and
    group by level, service or a multiple of the hour, so minutes fall where their hours do.
    """
    columns = rollup.c.keys()
    rows = select(*(rollup.c[name] for name in columns))
    deltas = select(*(log_counts_delta.c[name] for name in columns))
    return union_all(rows, deltas).subquery(rollup.name)


def fold_deltas(connection: Connection, *, max_deltas: int) -> int | None:
    """Move up to `max_deltas` deltas into the rollups: how many, or None while another
    connection folds. Nothing to fold on SQLite, whose triggers update the rollups."""
    if connection.dialect.name != "postgresql":
        return 0
    folded: int | None = connection.execute(_FOLD, {"max_deltas": max_deltas}).scalar()
    return folded


def vacuum_deltas(connection: Connection) -> None:
    """Reclaim folded deltas' space at once; needs a connection outside any transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(_VACUUM)
