"""The Subscription root: live alerts over graphql-transport-ws and the legacy graphql-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from core import alerts
from graph.access import READ, subscription_slot
from graph.alert_types import Alert
from graph.context import Context


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
