"""A private primary with a streaming replica replaying 500 ms behind, for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testing.replication import ReplicatedCluster, binaries_present, replicated_cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[ReplicatedCluster]:
    """Made once (initdb, pg_basebackup -R): testing/replication.py says why it is private."""
    if not binaries_present():
        message = "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are missing"
        if os.environ.get("LOGRAPH_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and LOGRAPH_REQUIRE_SERVICES=1")
        pytest.skip(message)
    with replicated_cluster(apply_delay="500ms") as made:
        yield made
