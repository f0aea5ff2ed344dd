"""graphql-core's execution with plain selections (graph/fast/plans.py) completed in one step: the
objects of queries, and the events of subscriptions (graph/fast/event_answers.py)."""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)

from graph.fast.event_answers import NOT_PLAIN_EVENTS, EventPlan, PlainEvent, plan_events
from graph.fast.plans import NOT_PLAIN, Plan, complete_items, plan_for, static_plan
from graph.introspection import IntrospectionGuard
from internals.graphql_core import (
    AwaitableOrValue,
    Executor,
    FieldDetailsList,
    Path,
    forget_sub_fields,
)


class FastLeafExecutionContext(IntrospectionGuard):
    """graphql-core's execution, with plain objects and plain subscription events completed
    in one step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Plan]] = {}
        middleware = self.middleware_manager
        self._plain_allowed = not (middleware and middleware.middlewares)
        self._event_plan: EventPlan | None = None  # made on the first event

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(return_type, field_details_list) if self._plain_allowed else NOT_PLAIN
        if plan:
            completed = plan.answer(result)
            if completed is not None:
                return completed
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        if self._plain_allowed and type(result) is list:
            completed = self._complete_plain_list(
                return_type.of_type, field_details_list, path, result
            )
            if completed is not None:
                return completed
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _complete_plain_list(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
        items: list[Any],
    ) -> list[Any] | None:
        """A list of plain objects (a page of logs) in one loop; None when any item is not."""
        items_nullable = not isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        plan = self._plan(object_type, field_details_list)
        if not plan or self.get_stream_usage(field_details_list, path):
            return None
        return complete_items(plan, items_nullable, items)

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        """A plain subscription's events are answered by its plan (graph/fast/event_answers.py);
        graphql-core only calls `execute_operation` on what this returns."""
        if self._event_plan is None:  # the first event
            plain = self._plain_allowed
            self._event_plan = plan_events(self, self._plan) if plain else NOT_PLAIN_EVENTS
        if not self._event_plan.plan:
            return self._ordinary_event(payload)
        # A string: evaluating `Executor[Any]` costs a typing-cache lookup per event.
        return cast("Executor[Any]", PlainEvent(self._event_plan, payload, self._ordinary_event))

    def _ordinary_event(self, payload: Any) -> Executor[Any]:
        executor = cast("FastLeafExecutionContext", super().build_per_event_executor(payload))
        # graphql-core collects the root fields afresh for each event, so the memos of
        # sub-selections (keyed on those fields' identity) would only grow: one per event.
        forget_sub_fields(executor)
        executor._plans = {}
        return executor

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan:
        """Memoised like collect_subfields: on the identity of the field list, kept alive."""
        key = (return_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            plan = static_plan(self.schema, self.operation, return_type, field_details_list)
            if plan is None:  # fragments or directives: collected with this execution's values
                collected = self.collect_subfields(return_type, field_details_list)
                plan = plan_for(return_type, collected, self._plan)
            cached = (field_details_list, plan)
            self._plans[key] = cached
        return cached[1]
