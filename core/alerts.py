"""Alert rules, alert history and the live alert stream: what each GraphQL field runs."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

from core import audit
from core.access import Caller
from core.errors import UserInputError
from core.metrics import subscription_active
from core.rules import check_rule_name
from core.runtime import Runtime
from core.validation import check_page, to_utc
from db import alert_history, alert_rules
from db.alert_history import AlertRecord, AlertState
from db.alert_rules import Rule

MAX_SUBSCRIBED_RULES = 100


async def list_rules(runtime: Runtime) -> list[Rule]:
    """Every rule, by name."""
    return await runtime.db.read(alert_rules.list_rules)


async def upsert_rule(runtime: Runtime, *, caller: Caller, rule: Rule) -> Rule:
    """Create or replace the rule of that name (made by `make_rule`); every process picks it up."""
    await runtime.db.write(lambda connection: alert_rules.upsert_rule(connection, rule))
    audit.record(caller, "upsert alert rule", repr(rule.name))
    await runtime.rules_changed()
    return rule


async def delete_rule(runtime: Runtime, *, caller: Caller, name: str) -> Rule | None:
    """Delete and return the rule; None when there is none. Its history stays."""
    check_rule_name(name)
    rule = await runtime.db.write(lambda connection: alert_rules.delete_rule(connection, name))
    if rule is not None:
        audit.record(caller, "delete alert rule", repr(name))
        await runtime.rules_changed()
    return rule


async def find_alerts(
    runtime: Runtime,
    *,
    rule: str | None,
    since: datetime | None,
    state: AlertState | None = None,
    limit: int,
) -> list[AlertRecord]:
    """Firings and state changes, newest first, so a late dashboard can catch up."""
    check_page(skip=0, limit=limit)
    if rule is not None:
        check_rule_name(rule, field="rule")
    start = to_utc("since", since)
    return await runtime.db.read(
        lambda connection: alert_history.recent_alerts(
            connection, rule=rule, since=start, state=state, limit=limit
        )
    )


async def subscribe(
    runtime: Runtime, *, rules: list[str] | None
) -> AsyncGenerator[AlertRecord, None]:
    """Alerts as they fire in any process, until the subscriber leaves."""
    wanted = None if rules is None else _rule_names(rules)
    wants = None if wanted is None else (lambda alert: alert.rule in wanted)
    async with runtime.alert_hub.subscribe(wants) as subscriber:
        with subscription_active("alerts"):
            while True:
                yield await subscriber.get()


def _rule_names(rules: list[str]) -> frozenset[str]:
    """At most MAX_SUBSCRIBED_RULES valid names: a subscription's memory is bounded."""
    if len(rules) > MAX_SUBSCRIBED_RULES:
        raise UserInputError("rules", f"at most {MAX_SUBSCRIBED_RULES} rule names")
    for name in rules:
        check_rule_name(name, field="rules")
    return frozenset(rules)
