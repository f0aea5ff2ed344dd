"""Plans for plain selections: objects answered in one step instead of field by field.

graphql-core completes every field of every object on its own: build the resolve info, call
Strawberry's default resolver, complete and serialise the value. For a page of 50 logs that is
300 field executions and most of a request's CPU. When a selection on an object type asks only
for fields that Strawberry resolves by attribute (no resolver of ours, no permission, no
arguments, no @defer, no field middleware), each a leaf or itself such an object (an edge's
`node`), reading the attributes and calling each leaf type's own `serialize` gives the same
answer; anything else, or a value that would be an error (a null in a non-null field, a
serialiser that raises), takes graphql-core's ordinary path, which then reports it exactly as
it always does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from keyword import iskeyword
from typing import Any

from graphql import (
    FieldNode,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    SelectionSetNode,
    is_leaf_type,
)

from internals.graphql_core import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    CollectedFields,
    FieldDetailsList,
    VariableValues,
    collect_subfields,
)
from internals.strawberry import CustomGraphQLEnumType, definition_of

# One entry per response key: (key, attribute, serialise, may be null); None for __typename.
# `serialise` answers None where the ordinary path must run: a leaf's serialiser, or a nested
# object's plan.
Entry = tuple[str, str | None, Any, bool]
Answer = Callable[[Any], dict[str, Any] | None]


class Plan:
    """A plain selection's entries, and `answer`: the object's answer by them, or None where
    the ordinary path must run (and report).

    `answer` is a function written for the entries (see `_compile`): a page of 50 logs is 300
    fields, and a loop over the entries spent more time unpacking them than reading the values.
    """

    __slots__ = ("answer", "entries")

    def __init__(self, type_name: str, entries: list[Entry]) -> None:
        self.entries = tuple(entries)
        self.answer: Answer = _compile(type_name, self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


# The plan of an object type's sub-selection (memoised by the execution context).
PlanOf = Callable[[GraphQLObjectType, FieldDetailsList], Plan]

# Plans of selections without fragments or directives depend on nothing else than the
# types and the fields' names, aliases and whether they take arguments: shared by every
# request that selects them.
MAX_SHARED_PLANS = 1000
shared_plans: dict[tuple[Any, ...], Plan] = {}


def static_plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    return_type: GraphQLObjectType,
    field_details_list: FieldDetailsList,
) -> Plan | None:
    """The shared plan of a selection without fragments or directives, made with no executor
    (such a selection reads neither fragments nor variables); None for any other selection,
    which only an executor can collect."""
    shape = static_shape(return_type, field_details_list)
    if shape is None:
        return None
    plan = shared_plans.get(shape)
    if plan is None:
        collected = collect_subfields(
            schema, {}, NO_VARIABLES, operation, return_type, field_details_list
        )
        plan_of = partial(_static_plan_of, schema, operation)
        plan = plan_for(return_type, collected, plan_of)
        if len(shared_plans) >= MAX_SHARED_PLANS:
            shared_plans.clear()
        shared_plans[shape] = plan
    return plan


def _static_plan_of(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    return_type: GraphQLObjectType,
    field_details_list: FieldDetailsList,
) -> Plan:
    """A nested selection's plan: static too, as part of a static selection."""
    return static_plan(schema, operation, return_type, field_details_list) or NOT_PLAIN


NO_VARIABLES = VariableValues(sources={}, coerced={})


def static_shape(
    return_type: GraphQLObjectType, field_details_list: FieldDetailsList
) -> tuple[Any, ...] | None:
    """The selection as a plain key; None when fragments, directives or @defer are involved."""
    shape: list[Any] = [return_type]
    for detail in field_details_list:
        selection_set = detail.node.selection_set
        if detail.defer_usage is not None or selection_set is None:
            return None
        selections = _selections_shape(selection_set)
        if selections is None:
            return None
        shape.extend(selections)
    return tuple(shape)


def _selections_shape(selection_set: SelectionSetNode) -> list[Any] | None:
    shape: list[Any] = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        nested = None
        if selection.selection_set is not None:
            nested = _selections_shape(selection.selection_set)
            if nested is None:
                return None
        alias = selection.alias.value if selection.alias else None
        nested_key = None if nested is None else tuple(nested)
        shape.append((alias, selection.name.value, bool(selection.arguments), nested_key))
    return shape


def plan_for(return_type: GraphQLObjectType, collected: CollectedFields, plan_of: PlanOf) -> Plan:
    """The plan of a collected selection; NOT_PLAIN when any field needs the ordinary path."""
    if return_type.is_type_of is not None or collected.new_defer_usages:
        return NOT_PLAIN
    entries: list[Entry] = []
    for response_key, details in collected.grouped_field_set.items():
        entry = _entry(return_type, details, plan_of)
        if entry is None:
            return NOT_PLAIN
        entries.append((response_key, *entry))
    return Plan(return_type.name, entries)


def _entry(
    return_type: GraphQLObjectType, details: FieldDetailsList, plan_of: PlanOf
) -> tuple[Any, ...] | None:
    """(attribute, serialise, nullable) for a plain field; None when it is not one."""
    name = details[0].node.name.value
    if any(detail.node.arguments or detail.defer_usage for detail in details):
        return None
    if name == "__typename":
        return (None, None, False)
    field = return_type.fields.get(name)
    if field is None:
        return None
    definition = definition_of(field.extensions)
    if definition is None or not _resolved_by_attribute(definition):
        return None
    field_type: GraphQLOutputType = field.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    inner: Any = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if is_leaf_type(inner):
        return (definition.python_name, _serializer(inner), nullable)
    if isinstance(inner, GraphQLObjectType):
        nested = plan_of(inner, details)
        if nested:
            return (definition.python_name, nested.answer, nullable)
    if isinstance(inner, GraphQLList):  # a list of plain objects (a bucket's counts by level)
        item: Any = inner.of_type
        items_nullable = not isinstance(item, GraphQLNonNull)
        item = item if items_nullable else item.of_type
        if isinstance(item, GraphQLObjectType):
            nested = plan_of(item, details)
            if nested:
                each = partial(complete_items, nested, items_nullable)
                return (definition.python_name, each, nullable)
    return None


@cache  # one entry per leaf type of the schema
def _serializer(leaf: Any) -> Any:
    """An enum member's name by one lookup; Strawberry's enum compares against every value.
    IDs, strings and Ints as they are stored (int, str, int in range) skip graphql-core's
    checks: a day's histogram by the minute answers some 10,000 counts."""
    if leaf is GraphQLID:
        return _id
    if leaf is GraphQLInt:
        return _int
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


def _int(value: Any) -> Any:
    if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
        return value
    return GraphQLInt.serialize(value)


def _resolved_by_attribute(definition: Any) -> bool:
    return (
        definition.base_resolver is None
        and not definition.permission_classes
        and not definition.extensions
        and not definition.directives
    )


def _compile(type_name: str, entries: tuple[Entry, ...]) -> Answer:
    """The function answering an object by `entries`, written out field by field.

    Only attribute names, which come from the schema's Python classes, are written into the
    source; response keys (a client's aliases) and serialisers are handed in as values.
    """
    names: dict[str, Any] = {"type_name": type_name}
    body: list[str] = []
    answer: list[str] = []
    for index, (key, attribute, serialize, nullable) in enumerate(entries):
        names[f"k{index}"] = key
        if attribute is None:  # __typename
            answer.append(f"k{index}: type_name")
            continue
        if not attribute.isidentifier() or iskeyword(attribute):
            raise ValueError(f"not an attribute name: {attribute!r}")
        names[f"s{index}"] = serialize
        value = f"a{index}"
        body += [
            f"        {value} = source.{attribute}",
            f"        if {value} is not None:",
            f"            {value} = s{index}({value})",
            f"            if {value} is None:",
            "                return None",
        ]
        if not nullable:
            body += ["        else:", "            return None"]
        answer.append(f"k{index}: {value}")
    source = "\n".join(
        [
            "def answer(source):",
            "    try:",
            *(body or ["        pass"]),
            "    except Exception:",
            "        return None",
            f"    return {{{', '.join(answer)}}}",
        ]
    )
    exec(compile(source, f"<plan of {type_name}>", "exec"), names)
    compiled: Answer = names["answer"]
    return compiled


NOT_PLAIN = Plan("", [])


def complete_items(plan: Plan, items_nullable: bool, items: Any) -> list[Any] | None:
    """Each item's answer, or None where the ordinary path must run (and report)."""
    if type(items) is not list:
        return None
    completed: list[Any] = []
    for item in items:
        if item is None:
            if not items_nullable:
                return None
            completed.append(None)
            continue
        answer = plan.answer(item)
        if answer is None:
            return None
        completed.append(answer)
    return completed
