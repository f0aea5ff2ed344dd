"""The Subscription root: live alerts and the live log tail, over graphql-transport-ws and the
legacy graphql-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry
from strawberry.types import Info

from core import alerts
from core.filters import LogFilter
from core.tail import MAX_TAILS_PER_CONNECTION, TooManyTails, tail_logs
from graph.access import READ, subscription_slot
from graph.alert_types import Alert
from graph.connection_types import LogEdge, as_edge
from graph.context import Context
from graph.inputs import FilterArgument


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Alerts as they fire in any process, each once; only these rules if given.",
        permission_classes=READ,
    )
    async def alerts(
        self, info: Info[Context, None], rules: list[str] | None = None
    ) -> AsyncGenerator[Alert, None]:
        # aclosing: leaving the subscription unsubscribes at once, not when collected.
        async with (
            subscription_slot(info),
            aclosing(alerts.subscribe(info.context.runtime, rules=rules)) as stream,
        ):
            async for record in stream:
                yield Alert.from_record(record)

    @strawberry.subscription(
        description="Logs matching `filter` as they are committed in any process, each once, "
        "in commit order. Pass the cursor of the last edge received as `after` to resume "
        "with no gap and no duplicate.",
        permission_classes=READ,
    )
    async def logs(
        self,
        info: Info[Context, None],
        filter: Annotated[LogFilter | None, FilterArgument] = None,
        after: str | None = None,
    ) -> AsyncGenerator[LogEdge, None]:
        context = info.context
        if context.live_tails >= MAX_TAILS_PER_CONNECTION:
            raise TooManyTails
        context.live_tails += 1
        try:
            stream = tail_logs(context.runtime, log_filter=filter, after=after)
            async with subscription_slot(info), aclosing(stream) as edges:
                async for edge in edges:
                    yield as_edge(edge)
        finally:
            context.live_tails -= 1
