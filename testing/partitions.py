"""Partitions for bulk loads that COPY straight into `logs` (benchmarks, tests): made by
`python -m ops.partitions`, as an operator would before such a load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent


def partitions_for(sqlalchemy_url: str, start: datetime, end: datetime) -> None:
    """Migrate the database and create the partitions every instant of [start, end] falls in."""
    subprocess.run(
        [
            *(sys.executable, "-m", "ops.partitions", "create"),
            *("--start", start.isoformat(), "--end", end.isoformat()),
        ],
        cwd=APP_DIR,
        env=os.environ | {"DATABASE_URL": sqlalchemy_url},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def migrate_to(sqlalchemy_url: str, revision: str) -> None:
    """Stop the database at an earlier revision (`alembic upgrade`), e.g. before partitioning."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", revision],
        cwd=APP_DIR,
        env=os.environ | {"DATABASE_URL": sqlalchemy_url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
