"""The Subscription root: live alerts over graphql-transport-ws and the legacy graphql-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from graph.alert_types import Alert
from graph.context import Context
from graph.resolvers import alerts


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Alerts as they fire in any process, each once; only these rules if given."
    )
    async def alerts(
        self, info: Info[Context, None], rules: list[str] | None = None
    ) -> AsyncGenerator[Alert, None]:
        # aclosing: leaving the subscription unsubscribes at once, not when collected.
        async with aclosing(alerts.subscribe(info.context.services, rules=rules)) as stream:
            async for alert in stream:
                yield alert
