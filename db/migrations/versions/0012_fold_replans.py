"""PostgreSQL: the fold plans its statement afresh on every call.

PL/pgSQL keeps a function's plans for the session. The app's first fold planned the DELETE of
`log_counts_delta` while that table was empty; a sequential scan filtering each row against the
array of ctids to take was cheapest then. After a bulk load left hundreds of thousands of
deltas, the same plan compared every row with every one of the 10,000 ctids: each fold ran into
the statement timeout, rolled back, and started over, so the deltas were never folded (seen
after a `bench.logs` load; bench/HISTORY.md). Planned on each call,
the DELETE sees the table's current size and takes the TID scan; planning costs about a
millisecond, and a fold runs at most once a second per worker.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER FUNCTION log_rollups_fold(integer) SET plan_cache_mode = force_custom_plan"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION log_rollups_fold(integer) RESET plan_cache_mode")
