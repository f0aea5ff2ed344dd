"""DATABASE_FAST_PATH: off, single writes go through a worker thread instead of the event loop,
with the same answers."""

from __future__ import annotations

import pytest

from db.engine import Database


@pytest.mark.parametrize("fast_path", [True, False])
def test_the_switch_decides_whether_single_writes_skip_the_worker_thread(
    postgres_url: str, fast_path: bool
) -> None:
    db = Database(postgres_url, fast_path=fast_path)
    try:
        assert (db.loop_writes is not None) == fast_path
    finally:
        db.close()
