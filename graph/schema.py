"""The GraphQL schema: each field delegates to a resolver function shared with REST."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from functools import cache
from typing import Annotated, cast

import strawberry
from strawberry.types import Info

from core import alerts, connections, histogram, logs, patterns
from core.filters import LogFilter
from core.rules import make_rule
from db.alert_history import AlertState
from graph.access import ADMIN, INGEST, READ, caller_of
from graph.alert_types import Alert, AlertRule, AlertRuleInput
from graph.connection_types import LogConnection
from graph.context import Context
from graph.errors import CodedSchema
from graph.extensions import schema_extensions
from graph.fast.execution import FastLeafExecutionContext
from graph.fast.schema import FastSchema
from graph.histogram_types import HistogramBucket, HistogramInterval
from graph.inputs import FilterArgument, LogInput
from graph.introspection import IntrospectionGuard
from graph.keys import KeyMutations, KeyQueries
from graph.observability import Observability
from graph.retention import RetentionMutations, RetentionQueries
from graph.scalars import DateTimeScalar
from graph.selections import may_select
from graph.subscriptions import Subscription
from graph.types import (
    BulkCreateResult,
    Log,
    Pattern,
    PatternOrder,
    SortOrder,
    Stats,
    as_logs,
)

LogsInfo = Info[Context, None]
Filter = Annotated[LogFilter | None, FilterArgument]


@strawberry.type
class Query(KeyQueries, RetentionQueries):
    @strawberry.field(
        description="Logs ordered by timestamp then id; `limit` is at most 1000.",
        permission_classes=READ,
    )
    async def logs(
        self,
        info: LogsInfo,
        filter: Filter = None,
        skip: int | None = 0,
        limit: int | None = 50,
        order: SortOrder | None = SortOrder.DESC,
    ) -> list[Log]:
        # Nullable with defaults, as the published SDL promises: null means the default.
        records = await logs.find_logs(
            info.context.runtime,
            log_filter=filter,
            skip=0 if skip is None else skip,
            limit=50 if limit is None else limit,
            order=order or SortOrder.DESC,
        )
        return as_logs(records)

    @strawberry.field(
        description="Cursor pages of logs ordered by timestamp then id: `first` (default 50) "
        "after a cursor, or `last` before one; at most 1000.",
        permission_classes=READ,
    )
    async def logs_connection(
        self,
        info: LogsInfo,
        filter: Filter = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order: SortOrder | None = SortOrder.DESC,
    ) -> LogConnection:
        # What lies behind the starting cursor costs a query: found out only when selected.
        start, behind = (after, "hasPreviousPage") if last is None else (before, "hasNextPage")
        page = await connections.logs_page(
            info.context.runtime,
            log_filter=filter,
            first=first,
            after=after,
            last=last,
            before=before,
            order=order or SortOrder.DESC,
            behind=start is not None and may_select(info, "pageInfo", behind),
            tail_from=may_select(info, "tailCursor"),
        )
        return LogConnection.from_page(page)

    @strawberry.field(
        description="Matching logs per UTC-aligned bucket over [startTime, endTime] (from the "
        "first match / to now when absent), zero-filled, oldest first; at most 10,000 buckets.",
        permission_classes=READ,
    )
    async def histogram(
        self, info: LogsInfo, filter: Filter = None, *, interval: HistogramInterval
    ) -> list[HistogramBucket]:
        return await histogram.histogram(info.context.runtime, log_filter=filter, interval=interval)

    @strawberry.field(description="The log with this id, or null.", permission_classes=READ)
    async def log(self, info: LogsInfo, id: strawberry.ID) -> Log | None:
        record = await logs.get_log(info.context.runtime, log_id=id)
        return None if record is None else as_logs([record])[0]

    @strawberry.field(
        description="Counts of the matching logs, in all, by level and by service.",
        permission_classes=READ,
    )
    async def stats(self, info: LogsInfo, filter: Filter = None) -> Stats:
        return await logs.log_stats(info.context.runtime, log_filter=filter)

    @strawberry.field(
        description="The patterns of the matching logs, each counted under the filter; "
        "`first` is at most 1000.",
        permission_classes=READ,
    )
    async def patterns(
        self,
        info: LogsInfo,
        filter: Filter = None,
        first: int | None = 50,
        order: PatternOrder | None = PatternOrder.COUNT_DESC,
    ) -> list[Pattern]:
        found = await patterns.find_patterns(
            info.context.runtime,
            log_filter=filter,
            first=50 if first is None else first,
            order=order or PatternOrder.COUNT_DESC,
        )
        return cast(list[Pattern], found)

    @strawberry.field(description="Every alert rule, by name.", permission_classes=READ)
    async def alert_rules(self, info: LogsInfo) -> list[AlertRule]:
        return [AlertRule.from_rule(rule) for rule in await alerts.list_rules(info.context.runtime)]

    @strawberry.field(
        description="Firings and state changes, newest first; `limit` is at most 1000.",
        permission_classes=READ,
    )
    async def alerts(
        self,
        info: LogsInfo,
        rule: str | None = None,
        since: datetime | None = None,
        limit: int | None = 50,
        state: AlertState | None = None,
    ) -> list[Alert]:
        records = await alerts.find_alerts(
            info.context.runtime,
            rule=rule,
            since=since,
            state=state,
            limit=50 if limit is None else limit,
        )
        return [Alert.from_record(record) for record in records]


@strawberry.type
class Mutation(KeyMutations, RetentionMutations):
    @strawberry.mutation(permission_classes=INGEST)
    async def create_log(self, info: LogsInfo, input: LogInput) -> Log:
        return as_logs([await logs.create_log(info.context.runtime, log_input=input)])[0]

    @strawberry.mutation(
        description="Up to 10,000 logs, all written or none.", permission_classes=INGEST
    )
    async def bulk_create(self, info: LogsInfo, inputs: list[LogInput]) -> BulkCreateResult:
        created = as_logs(await logs.create_logs(info.context.runtime, inputs=inputs))
        return BulkCreateResult(count=len(created), ids=[log.id for log in created], logs=created)

    @strawberry.mutation(
        description="Returns the deleted log; null with NOT_FOUND when absent.",
        permission_classes=ADMIN,
    )
    async def delete_log(self, info: LogsInfo, id: strawberry.ID) -> Log | None:
        record = await logs.delete_log(info.context.runtime, caller=caller_of(info), log_id=id)
        return as_logs([record])[0]

    @strawberry.mutation(
        description="Creates the rule, or replaces the one with its name.",
        permission_classes=ADMIN,
    )
    async def upsert_alert_rule(self, info: LogsInfo, input: AlertRuleInput) -> AlertRule:
        # The input's fields are make_rule's arguments; its filter stays a core LogFilter.
        rule = make_rule(**{field.name: getattr(input, field.name) for field in fields(input)})
        stored = await alerts.upsert_rule(info.context.runtime, caller=caller_of(info), rule=rule)
        return AlertRule.from_rule(stored)

    @strawberry.mutation(
        description="Returns the deleted rule, or null when absent.", permission_classes=ADMIN
    )
    async def delete_alert_rule(self, info: LogsInfo, name: str) -> AlertRule | None:
        rule = await alerts.delete_rule(info.context.runtime, caller=caller_of(info), name=name)
        return None if rule is None else AlertRule.from_rule(rule)


@cache  # two schemas at most: with the fast path and without
def build_schema(*, fast_path: bool) -> CodedSchema:
    """The schema, with graph/fast/'s execution when `fast_path` (GRAPHQL_FAST_PATH), else
    Strawberry's alone; both answer the same."""
    kind = FastSchema if fast_path else CodedSchema
    return kind(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[*schema_extensions(), Observability],
        scalar_overrides={datetime: DateTimeScalar},
        execution_context_class=FastLeafExecutionContext if fast_path else IntrospectionGuard,
    )


schema = build_schema(fast_path=True)
