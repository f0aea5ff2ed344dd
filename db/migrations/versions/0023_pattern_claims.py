"""Pattern mining claimed per service (issue 26): each service has its own place in the logs
and its own lease, so that processes mine different services at once, never one twice.

`pattern_cursors` replaces the one `pattern_cursor`: every service mined so far starts where
the one cursor was. `pattern_discovery` is how far services were looked for in the logs: a
service first written after it gets a place there (none of its logs is before), so the
services not mined so far start where the one cursor's window started. `pattern_processes`
are the miners alive, for sharing the services out.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)
LAPSED = datetime(1970, 1, 1, tzinfo=UTC)


def _place_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.Text(), nullable=False),
        sa.Column("upto", sa.Text(), nullable=False),
        sa.Column("after_tx", sa.BigInteger(), nullable=True),
        sa.Column("after_id", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", INSTANT, nullable=False),
    ]


def upgrade() -> None:
    cursors = op.create_table(
        "pattern_cursors",
        sa.Column("service", sa.String(100), primary_key=True),
        *_place_columns(),
    )
    discovery = op.create_table(
        "pattern_discovery",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("since", sa.Text(), nullable=False),
    )
    op.create_table(
        "pattern_processes",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("alive_until", INSTANT, nullable=False),
    )
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT since, upto, after_tx, after_id FROM pattern_cursor"))
    place = old.mappings().first()
    if place is not None:
        services = bind.execute(sa.text("SELECT service FROM pattern_miners")).scalars().all()
        rows = [
            {"service": name, "version": 1, **place, "owner": "", "lease_until": LAPSED}
            for name in services
        ]
        if rows:
            op.bulk_insert(cursors, rows)
        op.bulk_insert(discovery, [{"id": 1, "since": place["since"]}])
    op.drop_table("pattern_cursor")


def downgrade() -> None:
    op.create_table(
        "pattern_cursor",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        *_place_columns(),
    )
    op.drop_table("pattern_processes")
    op.drop_table("pattern_discovery")
    op.drop_table("pattern_cursors")
