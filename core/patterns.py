"""Patterns as the API reads them: the patterns of matching logs with their counts, and the
pattern of each of a page of logs.

Patterns answered together (one `patterns` list, the patterns of one page of logs) share a
`PatternGroup`: whatever one of them is asked (its count, levels, sample, histogram) is read
for all of them in one query, so that a page costs a few queries, not a few per row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection

from core.criteria import read_criteria
from core.errors import UserInputError
from core.filters import LogFilter
from core.histogram import HistogramBucket, HistogramInterval, as_bucket, bucket_count
from core.logs import LevelCount
from core.runtime import Runtime
from db import pattern_reads as reads
from db.histogram import EPOCH, BucketCounts, floor_to
from db.levels import Level
from db.logs import LogCriteria, LogRecord
from db.pattern_reads import PatternOrder, PatternRecord, PatternTally

MAX_PATTERNS = 1000  # patterns in one answer
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A stored pattern, and the group that answers its counts."""

    id: int
    service: str
    template: str
    first_seen: datetime
    last_seen: datetime
    group: PatternGroup

    @classmethod
    def of(cls, record: PatternRecord, group: PatternGroup) -> Pattern:
        return cls(
            record.id, record.service, record.template, record.first_seen, record.last_seen, group
        )


class PatternGroup:
    """Patterns whose logs matching `criteria` are counted together, each query once."""

    def __init__(
        self,
        runtime: Runtime,
        criteria: LogCriteria,
        ids: Collection[int],
        tallies: dict[int, PatternTally] | None = None,
    ) -> None:
        self._runtime = runtime
        self._criteria = criteria
        self._ids = frozenset(ids)
        self._end = criteria.end_time or datetime.now(UTC)  # one "now" for every histogram
        self._loads: dict[Hashable, asyncio.Task[Any]] = {}
        if tallies is not None:
            self._loads["tallies"] = _done(tallies)

    async def tally(self, pattern_id: int) -> PatternTally | None:
        """The pattern's matching logs: None when it has none."""
        tallies: dict[int, PatternTally] = await self._once("tallies", self._tallies)
        return tallies.get(pattern_id)

    async def by_level(self, pattern_id: int) -> list[LevelCount]:
        """The pattern's matching logs per level, least severe first."""
        counts: dict[int, dict[str, int]] = await self._once("levels", self._levels)
        mine = counts.get(pattern_id, {})
        return [LevelCount(level, mine[level.value]) for level in Level if level.value in mine]

    async def sample(self, pattern_id: int) -> LogRecord | None:
        """The pattern's matching log written last."""
        samples: dict[int, LogRecord] = await self._once("samples", self._samples)
        return samples.get(pattern_id)

    async def histogram(
        self, pattern_id: int, interval: HistogramInterval
    ) -> list[HistogramBucket]:
        """The pattern's matching logs per bucket, as `histogram` with the group's filter and
        this pattern would count them."""
        bounds = await self._bounds(interval)
        counts = await self._once(("histogram", interval), lambda: self._histograms(interval))
        if pattern_id not in bounds:
            return []
        origin, buckets = bounds[pattern_id]
        mine = counts.get(pattern_id, {})
        shift = (origin - min(start for start, _n in bounds.values())) // interval.width
        return [as_bucket(origin + n * interval.width, mine.get(shift + n)) for n in range(buckets)]

    def _once(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """The one load of `key` every pattern of the group awaits."""
        task = self._loads.get(key)
        if task is None:
            task = self._loads[key] = asyncio.ensure_future(load())
        return task

    async def _tallies(self) -> dict[int, PatternTally]:
        rows = await self._read(reads.count_patterns, ids=self._ids)
        return {record.id: tally for record, tally in rows}

    async def _levels(self) -> dict[int, dict[str, int]]:
        return await self._read(reads.level_counts, ids=self._ids)

    async def _samples(self) -> dict[int, LogRecord]:
        return await self._read(reads.latest_logs, ids=self._ids)

    async def _bounds(self, interval: HistogramInterval) -> dict[int, tuple[datetime, int]]:
        """Each pattern's first bucket and how many: from startTime (else its first match)
        to endTime (else now); refused as `histogram` refuses too many."""
        tallies = await self._once("tallies", self._tallies)
        bounds = {}
        for pattern_id, tally in tallies.items():
            start = self._criteria.start_time or tally.first
            if start <= self._end:
                buckets = bucket_count(start, self._end, interval.width)
                bounds[pattern_id] = (floor_to(start, interval.width), buckets)
        return bounds

    async def _histograms(self, interval: HistogramInterval) -> dict[int, BucketCounts]:
        bounds = await self._bounds(interval)
        if not bounds:
            return {}
        origin = min(start for start, _n in bounds.values())
        criteria = replace(self._criteria, end_time=self._end)
        return await self._read(
            reads.count_by_pattern_and_bucket,
            ids=bounds.keys(),
            origin=origin,
            width=interval.width,
            criteria=criteria,
        )

    async def _read(self, read: Callable[..., T], **arguments: Any) -> T:
        arguments.setdefault("criteria", self._criteria)
        return await self._runtime.db.read(lambda connection: read(connection, **arguments))


def _done(value: T) -> asyncio.Task[T]:
    async def given() -> T:
        return value

    return asyncio.ensure_future(given())


async def find_patterns(
    runtime: Runtime,
    *,
    log_filter: LogFilter | None,
    first: int = 50,
    order: PatternOrder = PatternOrder.COUNT_DESC,
) -> list[Pattern]:
    """The patterns of the matching logs, with how many of them each has."""
    if not 0 <= first <= MAX_PATTERNS:
        raise UserInputError("first", f"must be between 0 and {MAX_PATTERNS}")
    criteria = await read_criteria(runtime, log_filter)
    rows = await runtime.db.read(
        lambda connection: reads.count_patterns(
            connection, criteria=criteria, order=order, limit=first
        )
    )
    group = PatternGroup(runtime, criteria, [r.id for r, _t in rows], {r.id: t for r, t in rows})
    return [Pattern.of(record, group) for record, _tally in rows]


async def patterns_of_logs(runtime: Runtime, log_ids: Sequence[int]) -> list[Pattern | None]:
    """Each log's pattern (None until mined), counted over all of its logs."""
    found = await runtime.db.read(lambda connection: reads.patterns_of_logs(connection, log_ids))
    group = PatternGroup(runtime, LogCriteria(), {record.id for record in found.values()})
    patterns = {record.id: Pattern.of(record, group) for record in found.values()}
    return [None if (record := found.get(n)) is None else patterns[record.id] for n in log_ids]


@dataclass(frozen=True, slots=True)
class PatternSamples:
    """A pattern's matching logs per step: (the step's start, in Unix seconds; count)."""

    template: str
    samples: list[tuple[int, int]]


async def pattern_samples(
    runtime: Runtime, *, criteria: LogCriteria, start: datetime, step: timedelta
) -> list[PatternSamples]:
    """The patterns of the matching logs, most logs first (at most MAX_PATTERNS), with their
    logs counted per `step` from `start` (aligned to the step), steps without logs left out:
    what Loki's pattern endpoint answers."""

    def read(connection: Connection) -> list[tuple[PatternRecord, dict[int, dict[str, int]]]]:
        rows = reads.count_patterns(connection, criteria, limit=MAX_PATTERNS)
        counts = reads.count_by_pattern_and_bucket(
            connection, criteria, ids=[r.id for r, _t in rows], origin=origin, width=step
        )
        return [(record, counts.get(record.id, {})) for record, _tally in rows]

    origin = floor_to(start, step)
    found = await runtime.db.read(read)
    return [
        PatternSamples(
            record.template,
            [
                (int((origin + number * step - EPOCH).total_seconds()), sum(levels.values()))
                for number, levels in sorted(buckets.items())
            ],
        )
        for record, buckets in found
    ]
