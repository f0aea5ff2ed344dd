"""graphql-core's execution with plain selections (graph/plans.py) completed in one step."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.plans import (
    MAX_SHARED_PLANS,
    NOT_PLAIN,
    Plan,
    complete,
    plan_for,
    shared_plans,
    static_shape,
)


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain objects completed in one step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Plan]] = {}
        middleware = self.middleware_manager
        self._plain_allowed = not (middleware and middleware.middlewares)

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
            completed = complete(plan, return_type.name, result)
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
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        plan = self._plan(object_type, field_details_list)
        if not plan or self.get_stream_usage(field_details_list, path):
            return None
        name = object_type.name
        completed = []
        for item in items:
            answer = complete(plan, name, item)
            if answer is None:
                return None
            completed.append(answer)
        return completed

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan:
        """Memoised like collect_subfields: on the identity of the field list, kept alive."""
        key = (return_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            shape = static_shape(return_type, field_details_list)
            plan = shared_plans.get(shape) if shape is not None else None
            if plan is None:
                collected = self.collect_subfields(return_type, field_details_list)
                plan = plan_for(return_type, collected, self._plan)
                if shape is not None:
                    if len(shared_plans) >= MAX_SHARED_PLANS:
                        shared_plans.clear()
                    shared_plans[shape] = plan
            cached = (field_details_list, plan)
            self._plans[key] = cached
        return cached[1]
