"""Subscription events answered by a plan, once for every subscriber that selects the same.

graphql-core executes a subscription's selection once per event, with a copy of the
subscription's executor; for the live tail that is one execution per log per subscriber, most
of the CPU a busy tail costs. When the subscription field's selection is plain (graph/fast/plans.py)
each event is answered from the plan instead. Strawberry resolves a subscription field to the
event itself, so the answer is `{key: the event's object answer}`; where that is not possible
(a null, a value that would be an error) graphql-core's ordinary path runs and reports it.

Shared answers. The live tail hands every subscriber of a process the very same edge objects
(core/tail_cursor.edges), and subscriptions whose selections have the same static shape share
one plan. So the answer to (plan, event) is made once and the other subscribers reuse it:
answers are only read afterwards (encoded to JSON), never changed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationType,
)

from graph.fast.plans import NOT_PLAIN, Plan, PlanOf
from internals.graphql_core import AwaitableOrValue, Executor, collect_fields
from internals.strawberry import definition_of


@dataclass(frozen=True, slots=True)
class EventPlan:
    """How each event is answered: under `key`, the event's object by `plan`."""

    key: str
    plan: Plan
    nullable: bool


NOT_PLAIN_EVENTS = EventPlan("", NOT_PLAIN, False)


def plan_events(executor: Executor[Any], plan_of: PlanOf) -> EventPlan:
    """The subscription's event plan; NOT_PLAIN_EVENTS when its events need the ordinary path."""
    operation = executor.operation
    root_type = executor.schema.subscription_type
    if operation.operation is not OperationType.SUBSCRIPTION or root_type is None:
        return NOT_PLAIN_EVENTS
    if executor.abort_signal is not None or executor.hooks is not None:
        return NOT_PLAIN_EVENTS
    collected = collect_fields(
        executor.schema,
        executor.fragments,
        executor.variable_values,
        root_type,
        operation,
        executor.hide_suggestions,
    )
    if len(collected.grouped_field_set) != 1 or collected.new_defer_usages:
        return NOT_PLAIN_EVENTS
    ((key, details),) = collected.grouped_field_set.items()
    field = root_type.fields.get(details[0].node.name.value)
    if field is None:  # __typename
        return NOT_PLAIN_EVENTS
    definition = definition_of(field.extensions)
    if definition is None or not definition.is_subscription:
        return NOT_PLAIN_EVENTS
    nullable = not isinstance(field.type, GraphQLNonNull)
    event_type = field.type if nullable else field.type.of_type
    if not isinstance(event_type, GraphQLObjectType):
        return NOT_PLAIN_EVENTS
    return EventPlan(key, plan_of(event_type, details), nullable)


@dataclass(frozen=True, slots=True)
class PlainEvent:
    """One event's executor, as far as graphql-core uses it (`execute_operation`): the answer
    by the plan, or the ordinary executor's."""

    plan: EventPlan
    event: Any
    ordinary: Callable[[Any], Executor[Any]]

    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[Any]:
        plan, event = self.plan, self.event
        completed = None if event is None else answer(plan.plan, event)
        if completed is not None or (event is None and plan.nullable):
            return ExecutionResult({plan.key: completed})
        return self.ordinary(event).execute_operation(serially)


# Subscribers read the same batches a few milliseconds apart; one that lags further behind
# than this many answers, or this long, computes its own, the same. Each answer keeps its plan
# and event alive (so their ids cannot be reused while it is here): both bounds cap what the
# answers hold on to after the live tail's queues let go of their events.
RECENT_ANSWERS = 4096
RECENT_SECONDS = 5.0
# (plan id, event id): (made at, plan, event, answer), oldest first.
_recent: OrderedDict[tuple[int, int], tuple[float, Plan, object, dict[str, Any] | None]] = (
    OrderedDict()
)


def answer(plan: Plan, event: object) -> dict[str, Any] | None:
    """The event's answer by `plan` (None: take the ordinary path), shared while recent."""
    key = (id(plan), id(event))
    recent = _recent.get(key)
    if recent is not None:
        return recent[3]
    now = monotonic()
    _forget_before(now - RECENT_SECONDS)
    completed = plan.answer(event)
    if len(_recent) >= RECENT_ANSWERS:
        _recent.popitem(last=False)
    _recent[key] = (now, plan, event, completed)
    return completed


def _forget_before(moment: float) -> None:
    while _recent and next(iter(_recent.values()))[0] < moment:
        _recent.popitem(last=False)
