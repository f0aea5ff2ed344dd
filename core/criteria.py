"""The criteria of a read, checked against the database where a filter names stored rows."""

from __future__ import annotations

from core.errors import UserInputError
from core.filters import LogFilter, to_criteria
from core.runtime import Runtime
from db.logs import LogCriteria
from db.pattern_reads import unknown_patterns


async def read_criteria(runtime: Runtime, log_filter: LogFilter | None) -> LogCriteria:
    """The filter as criteria; a pattern id naming no pattern (never mined, or evicted) is
    refused rather than matching nothing, so that a stale id does not pass for an empty one."""
    criteria = to_criteria(log_filter)
    ids = criteria.pattern_ids
    if ids:
        unknown = await runtime.db.read(lambda connection: unknown_patterns(connection, ids))
        if unknown:
            names = ", ".join(map(str, unknown))
            raise UserInputError("patterns", f"no pattern has the id {names}")
    return criteria
