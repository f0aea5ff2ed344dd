"""Reading, writing and counting logs: what each GraphQL field and REST route runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import strawberry

from db import logs as queries
from db import stats
from db.levels import Level
from db.logs import NewLog
from graph.context import Services
from graph.errors import NotFoundError
from graph.inputs import LogDraft, LogFilter
from graph.resolvers.validation import (
    check_page,
    parse_log_id,
    to_criteria,
    to_new_log,
    to_new_logs,
)
from graph.types import LevelCount, Log, ServiceCount, SortOrder, Stats


async def find_logs(
    services: Services,
    *,
    log_filter: LogFilter | None = None,
    skip: int = 0,
    limit: int = 50,
    order: SortOrder = SortOrder.DESC,
    by_id: bool = False,
) -> list[Log]:
    """One page of matching logs, newest first unless asked otherwise."""
    check_page(skip=skip, limit=limit)
    criteria = to_criteria(log_filter)
    rows = await services.db.read(
        lambda connection: queries.find_logs(
            connection,
            criteria,
            skip=skip,
            limit=limit,
            descending=order is SortOrder.DESC,
            by_id=by_id,
        )
    )
    return [Log.from_row(row) for row in rows]


async def get_log(services: Services, *, log_id: str | int) -> Log | None:
    """The log with this id, or None."""
    key = parse_log_id(log_id)
    row = await services.db.read(lambda connection: queries.get_log(connection, key))
    return None if row is None else Log.from_row(row)


async def create_log(services: Services, *, log_input: LogDraft) -> Log:
    """Validate and write one log."""
    new_log = to_new_log(log_input)
    # One INSERT is atomic by itself, so it needs no transaction around it.
    ids = await services.db.write_statement(
        lambda connection: queries.insert_logs(connection, [new_log])
    )
    (created,) = _created(services, ids, [new_log])
    return created


async def create_logs(services: Services, *, inputs: Sequence[LogDraft]) -> list[Log]:
    """Validate all, then write all in one transaction; nothing is written if any is invalid."""
    return await write_logs(services, new_logs=to_new_logs(inputs))


async def write_logs(services: Services, *, new_logs: Sequence[NewLog]) -> list[Log]:
    """Write already validated logs in one transaction (the ingest protocols call this too)."""
    ids = await services.db.write(lambda connection: queries.insert_logs(connection, new_logs))
    return _created(services, ids, new_logs)


def _created(services: Services, ids: list[int], new_logs: Sequence[NewLog]) -> list[Log]:
    """The written logs as the API returns them; the write hook hears of them here."""
    created = [
        Log(
            id=strawberry.ID(str(log_id)),
            timestamp=log.timestamp,
            level=log.level,
            service=log.service,
            message=log.message,
            metadata=log.metadata,
        )
        for log_id, log in zip(ids, new_logs, strict=True)
    ]
    services.logs_written(created)
    return created


async def delete_log(services: Services, *, log_id: str | int) -> Log:
    """Delete and return the log; NotFoundError when there is none."""
    key = parse_log_id(log_id)
    row = await services.db.write(lambda connection: queries.delete_log(connection, key))
    if row is None:
        raise NotFoundError("Log not found")
    return Log.from_row(row)


async def log_stats(services: Services, *, log_filter: LogFilter | None = None) -> Stats:
    """Totals by level and by service, from one grouped scan."""
    criteria = to_criteria(log_filter)
    rows = await services.db.read(
        lambda connection: stats.count_by_level_and_service(connection, criteria)
    )
    by_level: Counter[str] = Counter()
    by_service: Counter[str] = Counter()
    for row in rows:
        by_level[row.level] += row.count
        by_service[row.service] += row.count
    return Stats(
        total_logs=sum(by_level.values()),
        by_level=[LevelCount(level=Level(name), count=n) for name, n in _largest_first(by_level)],
        by_service=[ServiceCount(service=name, count=n) for name, n in _largest_first(by_service)],
    )


def _largest_first(counts: Counter[str]) -> list[tuple[str, int]]:
    """Biggest count first; ties by name, so the order never depends on the query plan."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
