"""Objects made only of plain leaf fields (a page of logs) are completed in one step.

graphql-core completes every field of every object on its own: build the resolve info, call
Strawberry's default resolver, complete and serialise the value. For a page of 50 logs that is
300 field executions and most of a request's CPU. When a selection on an object type asks only
for leaf fields that Strawberry resolves by attribute (no resolver of ours, no permission, no
arguments, no @defer, no field middleware), reading the attributes and calling each leaf type's
own `serialize` gives the same answer; anything else, or a value that would be an error (a null
in a non-null field, a serialiser that raises), takes graphql-core's ordinary path, which then
reports it exactly as it always does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

# One entry per response key: (key, attribute, serialise, may be null); None for __typename.
Plan = list[tuple[str, str | None, Any, bool]]
_NOT_PLAIN: Plan = []


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain leaf objects completed in one step."""

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
        plan = self._plan(return_type, field_details_list) if self._plain_allowed else _NOT_PLAIN
        if plan:
            completed = _complete(plan, return_type.name, result)
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
        """A list of plain leaf objects (a page of logs) in one loop; None when any item is not."""
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        plan = self._plan(object_type, field_details_list)
        if not plan or self.get_stream_usage(field_details_list, path):
            return None
        name = object_type.name
        completed = []
        for item in items:
            answer = _complete(plan, name, item)
            if answer is None:
                return None
            completed.append(answer)
        return completed

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan:
        """Memoised like collect_subfields: on the identity of the field list, kept alive."""
        key = (return_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            shape = _static_shape(return_type, field_details_list)
            plan = _shared_plans.get(shape) if shape is not None else None
            if plan is None:
                collected = self.collect_subfields(return_type, field_details_list)
                plan = _plan_for(return_type, collected)
                if shape is not None:
                    if len(_shared_plans) >= MAX_SHARED_PLANS:
                        _shared_plans.clear()
                    _shared_plans[shape] = plan
            cached = (field_details_list, plan)
            self._plans[key] = cached
        return cached[1]


# Plans of selections without fragments or directives depend on nothing else than the
# type and the fields' names, aliases and whether they take arguments or sub-selections:
# shared by every request that selects them.
MAX_SHARED_PLANS = 1000
_shared_plans: dict[tuple[Any, ...], Plan] = {}


def _static_shape(
    return_type: GraphQLObjectType, field_details_list: FieldDetailsList
) -> tuple[Any, ...] | None:
    """The selection as a plain key; None when fragments, directives or @defer are involved."""
    shape: list[Any] = [return_type]
    for detail in field_details_list:
        selection_set = detail.node.selection_set
        if detail.defer_usage is not None or selection_set is None:
            return None
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.directives:
                return None
            alias = selection.alias.value if selection.alias else None
            shape.append(
                (
                    alias,
                    selection.name.value,
                    bool(selection.arguments),
                    bool(selection.selection_set),
                )
            )
    return tuple(shape)


def _plan_for(return_type: GraphQLObjectType, collected: Any) -> Plan:
    if return_type.is_type_of is not None or collected.new_defer_usages:
        return _NOT_PLAIN
    plan: Plan = []
    for response_key, details in collected.grouped_field_set.items():
        entry = _leaf(return_type, details)
        if entry is None:
            return _NOT_PLAIN
        plan.append((response_key, *entry))
    return plan


def _leaf(return_type: GraphQLObjectType, details: FieldDetailsList) -> tuple[Any, ...] | None:
    """(attribute, serialise, nullable) for a plain leaf field; None when it is not one."""
    nodes = [detail.node for detail in details]
    name = nodes[0].name.value
    if any(
        node.arguments or node.selection_set or detail.defer_usage
        for node, detail in zip(nodes, details, strict=True)
    ):
        return None
    if name == "__typename":
        return (None, None, False)
    field = return_type.fields.get(name)
    if field is None:
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or not _resolved_by_attribute(definition):
        return None
    field_type: GraphQLOutputType = field.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    leaf: Any = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not is_leaf_type(leaf):
        return None
    return (definition.python_name, _serializer(leaf), nullable)


@cache  # one entry per leaf type of the schema
def _serializer(leaf: Any) -> Any:
    """An enum member's name by one lookup; Strawberry's enum compares against every value.
    IDs and strings as they are stored (int, str) skip graphql-core's checks."""
    if leaf is GraphQLID:
        return _id
    if leaf is GraphQLString:
        return _string
    if not isinstance(leaf, CustomGraphQLEnumType):
        return leaf.serialize
    members: list[Any] = list(leaf.wrapped_cls)
    names = {
        member: name
        for name, value in leaf.values.items()
        for member in members
        if member.value == value.value
    }
    return names.get  # None for anything else: the ordinary path serialises or reports it


def _id(value: Any) -> Any:
    return str(value) if type(value) is int else GraphQLID.serialize(value)


def _string(value: Any) -> Any:
    return value if type(value) is str else GraphQLString.serialize(value)


def _resolved_by_attribute(definition: Any) -> bool:
    return (
        definition.base_resolver is None
        and not definition.permission_classes
        and not definition.extensions
        and not definition.directives
    )


def _complete(plan: Plan, type_name: str, source: Any) -> dict[str, Any] | None:
    """The object's answer, or None where the ordinary path must run (and report)."""
    completed: dict[str, Any] = {}
    try:
        for key, attribute, serialize, nullable in plan:
            if attribute is None:
                completed[key] = type_name
                continue
            value = getattr(source, attribute)
            if value is None:
                if not nullable:
                    return None
                completed[key] = None
                continue
            serialized = serialize(value)
            if serialized is None:
                return None
            completed[key] = serialized
    except Exception:
        return None
    return completed
