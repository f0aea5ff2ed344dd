"""Alert rules, alert history and the live alert stream: what each GraphQL field runs."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import asdict
from datetime import datetime

from alerts.rules import make_rule
from db import alert_history, alert_rules
from db.models import as_utc
from graph.alert_types import Alert, AlertRule, AlertRuleInput
from graph.context import Services
from graph.resolvers.validation import check_page


async def list_rules(services: Services) -> list[AlertRule]:
    """Every rule, by name."""
    rules = await services.db.read(alert_rules.list_rules)
    return [AlertRule.from_rule(rule) for rule in rules]


async def upsert_rule(services: Services, *, rule_input: AlertRuleInput) -> AlertRule:
    """Validate, then create or replace the rule of that name; every process picks it up."""
    rule = make_rule(**asdict(rule_input))  # the input's fields are make_rule's arguments
    await services.db.write(lambda connection: alert_rules.upsert_rule(connection, rule))
    await services.alerts.rules_changed()
    return AlertRule.from_rule(rule)


async def delete_rule(services: Services, *, name: str) -> AlertRule | None:
    """Delete and return the rule; None when there is none. Its history stays."""
    rule = await services.db.write(lambda connection: alert_rules.delete_rule(connection, name))
    if rule is not None:
        await services.alerts.rules_changed()
    return None if rule is None else AlertRule.from_rule(rule)


async def find_alerts(
    services: Services, *, rule: str | None, since: datetime | None, limit: int
) -> list[Alert]:
    """Fired alerts, newest first, so a late dashboard can catch up."""
    check_page(skip=0, limit=limit)
    start = None if since is None else as_utc(since)
    records = await services.db.read(
        lambda connection: alert_history.recent_alerts(
            connection, rule=rule, since=start, limit=limit
        )
    )
    return [Alert.from_record(record) for record in records]


async def subscribe(services: Services, *, rules: list[str] | None) -> AsyncGenerator[Alert, None]:
    """Alerts as they fire in any process, until the subscriber leaves."""
    wanted = None if rules is None else frozenset(rules)
    async with services.alerts.hub.subscribe(rules=wanted) as queue:
        while True:
            yield Alert.from_record(await queue.get())
