"""Reading, writing and counting logs: what each GraphQL field and REST route runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from core import audit
from core.access import Caller
from core.criteria import read_criteria
from core.errors import NotFoundError
from core.filters import LogFilter
from core.runtime import Runtime
from core.validation import LogDraft, check_page, parse_log_id, to_new_log, to_new_logs
from db import logs as queries
from db import stats
from db.levels import Level
from db.logs import LogRecord, NewLog


class SortOrder(Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(slots=True)  # not frozen: a day's histogram by the minute makes 8,000 of them,
class LevelCount:  # and a frozen dataclass's __init__ costs four times a plain one's
    level: Level
    count: int


@dataclass(frozen=True)
class ServiceCount:
    service: str
    count: int


@dataclass(frozen=True)
class Stats:
    total_logs: int
    by_level: list[LevelCount]
    by_service: list[ServiceCount]


async def find_logs(
    runtime: Runtime,
    *,
    log_filter: LogFilter | None = None,
    skip: int = 0,
    limit: int = 50,
    order: SortOrder = SortOrder.DESC,
    by_id: bool = False,
) -> list[LogRecord]:
    """One page of matching logs, newest first unless asked otherwise."""
    check_page(skip=skip, limit=limit)
    criteria = await read_criteria(runtime, log_filter)
    return await runtime.db.read(
        lambda connection: queries.find_logs(
            connection,
            criteria,
            skip=skip,
            limit=limit,
            descending=order is SortOrder.DESC,
            by_id=by_id,
        )
    )


async def get_log(runtime: Runtime, *, log_id: str | int) -> LogRecord | None:
    """The log with this id, or None."""
    key = parse_log_id(log_id)
    return await runtime.db.read(lambda connection: queries.get_log(connection, key))


async def create_log(runtime: Runtime, *, log_input: LogDraft) -> LogRecord:
    """Validate and write one log."""
    new_log = to_new_log(log_input)
    # One INSERT is atomic by itself, so it needs no transaction around it.
    log_id = await queries.insert_one(runtime.db, new_log)
    (created,) = written(runtime, [log_id], [new_log])
    return created


async def create_logs(runtime: Runtime, *, inputs: Sequence[LogDraft]) -> list[LogRecord]:
    """Validate all, then write all in one transaction; nothing is written if any is invalid."""
    return await write_logs(runtime, new_logs=to_new_logs(inputs))


async def write_logs(runtime: Runtime, *, new_logs: Sequence[NewLog]) -> list[LogRecord]:
    """Write already validated logs in one transaction (the ingest protocols call this too)."""
    ids = await queries.write_logs(runtime.db, new_logs)
    return written(runtime, ids, new_logs)


def written(runtime: Runtime, ids: Sequence[int], new_logs: Sequence[NewLog]) -> list[LogRecord]:
    """The written logs as the API returns them; the write hook hears of them here."""
    created = [
        LogRecord(log_id, log.timestamp, log.level, log.service, log.message, log.metadata)
        for log_id, log in zip(ids, new_logs, strict=True)
    ]
    runtime.logs_written(created)
    return created


async def delete_log(runtime: Runtime, *, caller: Caller, log_id: str | int) -> LogRecord:
    """Delete and return the log; NotFoundError when there is none."""
    key = parse_log_id(log_id)
    record = await runtime.db.write(lambda connection: queries.delete_log(connection, key))
    if record is None:
        raise NotFoundError("Log not found")
    audit.record(caller, "delete log", str(key))
    return record


async def log_stats(runtime: Runtime, *, log_filter: LogFilter | None = None) -> Stats:
    """Totals by level and by service, from the rollups and the ragged edges."""
    criteria = await read_criteria(runtime, log_filter)
    rows = await runtime.db.read(
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
