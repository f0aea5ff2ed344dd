"""The requests each measurement sends, built (and encoded) before any timing starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.data import LogFactory, rest_record
from bench.load import Call, graphql, rest_get, rest_post

LOG_FIELDS = "id timestamp level service message metadata"
PAGE_SIZE = 50
FILTER_WINDOW = timedelta(hours=1)

FILTER_QUERY = f"""
query Filter($service: String!, $level: LogLevel!, $start: DateTime!, $end: DateTime!) {{
  logs(filter: {{service: $service, level: $level, startTime: $start, endTime: $end}},
       limit: {PAGE_SIZE}) {{ {LOG_FIELDS} }}
}}"""
STATS_QUERY = (
    "query Stats { stats { totalLogs byLevel { level count } byService { service count } } }"
)
BULK_MUTATION = "mutation Bulk($inputs: [LogInput!]!) { bulkCreate(inputs: $inputs) { count ids } }"
CREATE_MUTATION = "mutation Create($input: LogInput!) { createLog(input: $input) { id } }"


@dataclass(frozen=True, slots=True)
class FilterCase:
    """One service and level over a one-hour window, as a dashboard asks."""

    service: str
    level: str
    start: datetime

    @property
    def end(self) -> datetime:
        return self.start + FILTER_WINDOW


def filter_cases(factory: LogFactory, count: int) -> list[FilterCase]:
    window = factory.window
    latest_start = window.end - FILTER_WINDOW
    return [
        FilterCase(factory.service(), factory.level(), min(factory.instant(), latest_start))
        for _ in range(count)
    ]


def graphql_filters(cases: list[FilterCase]) -> list[Call]:
    return [
        graphql(
            FILTER_QUERY,
            {
                "service": case.service,
                "level": case.level,
                "start": case.start.isoformat(),
                "end": case.end.isoformat(),
            },
        )
        for case in cases
    ]


def rest_filters(cases: list[FilterCase]) -> list[Call]:
    return [
        rest_get(
            "/api/v1/logs/filter",
            service=case.service,
            level=case.level,
            start_time=case.start.isoformat(),
            end_time=case.end.isoformat(),
            limit=PAGE_SIZE,
        )
        for case in cases
    ]


def graphql_bulks(factory: LogFactory, *, batches: int, size: int) -> list[Call]:
    return [graphql(BULK_MUTATION, {"inputs": factory.records(size)}) for _ in range(batches)]


def rest_bulks(factory: LogFactory, *, batches: int, size: int) -> list[Call]:
    return [
        rest_post("/api/v1/bulk_logs/", [rest_record(record) for record in factory.records(size)])
        for _ in range(batches)
    ]


def graphql_creates(factory: LogFactory, count: int) -> list[Call]:
    return [graphql(CREATE_MUTATION, {"input": record}) for record in factory.records(count)]


def rest_creates(factory: LogFactory, count: int) -> list[Call]:
    return [rest_post("/api/v1/logs/", rest_record(record)) for record in factory.records(count)]


def graphql_stats() -> list[Call]:
    return [graphql(STATS_QUERY)]


def rest_stats() -> list[Call]:
    return [rest_get("/api/v1/stats/")]


def graphql_deep_page(skip: int) -> list[Call]:
    return [graphql(f"query Deep {{ logs(skip: {skip}) {{ {LOG_FIELDS} }} }}")]


def rest_deep_page(skip: int) -> list[Call]:
    return [rest_get("/api/v1/logs/", skip=skip, limit=PAGE_SIZE)]
