"""A cached operation of one plain root field, resolved and answered without graphql-core's
executor.

The busiest request there is, a page of logs (`{ logs(filter: $f) { id timestamp … } }`), runs
one resolver. Around that one call graphql-core builds an executor, collects the root fields,
builds the resolve info, wraps the resolver's awaitable, and completes the list through its
generic path. So for a cached, valid query (graph/fast/checked.py) whose only root selection
is one field, with no directives or fragments, and whose value a plan answers
(graph/fast/plans.py), this module does just those steps itself:

- variables and arguments are coerced by graphql-core's own functions;
- the field's resolver is called as graphql-core calls it (Strawberry's resolver, with its
  permission checks and argument conversion), with the resolve info Strawberry's execution
  context builds;
- an error it raises is located, and nulls the answer, as graphql-core does for a root field;
- the value is answered by the plan.

Whatever graphql-core would report otherwise makes graphql-core's path run the operation and
report it: a variable or an argument it refuses (`execute_direct` returns None, before any
resolver ran), or a value the plan cannot answer, such as a null in a non-null field
(`execute_direct` returns it as `Resolved`, and graphql-core completes that value without
resolving the field again). So a mutation (`createLog`, the busiest) is never run twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    located_error,
)
from graphql.error import GraphQLError

from graph.fast.plans import Plan, complete_items, static_plan
from internals.graphql_core import (
    FieldDetails,
    GraphQLResolveInfoHelpers,
    Path,
    get_argument_values,
    get_variable_values,
)
from internals.strawberry import ResolveInfo, optimized_is_awaitable


@dataclass(frozen=True, slots=True)
class DirectField:
    """The one root field of an operation, and how its value is answered."""

    operation: OperationDefinitionNode
    node: FieldNode
    key: str
    field: GraphQLField
    parent_type: GraphQLObjectType
    fragments: dict[str, FragmentDefinitionNode]
    plan: Plan
    nullable: bool
    is_list: bool
    items_nullable: bool


MAX_DIRECT = 1000  # documents remembered (each entry keeps its document, so ids stay unique)
direct_fields: dict[tuple[int, str | None], tuple[DocumentNode, DirectField | None]] = {}


def direct_field(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> DirectField | None:
    """The operation's direct field, or None when graphql-core's executor must run it."""
    key = (id(document), operation_name)
    known = direct_fields.get(key)
    if known is None:
        if len(direct_fields) >= MAX_DIRECT:
            direct_fields.clear()
        known = direct_fields[key] = (document, _find(schema, document, operation_name))
    return known[1]


def _find(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> DirectField | None:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    roots = {OperationType.QUERY: schema.query_type, OperationType.MUTATION: schema.mutation_type}
    root_type = roots.get(operation.operation)
    if root_type is None:
        return None
    if operation.directives or any(
        definition.directives for definition in operation.variable_definitions or ()
    ):
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(node := selections[0], FieldNode):
        return None
    field = root_type.fields.get(node.name.value)
    if node.directives or field is None or field.resolve is None:
        return None
    nullable = not isinstance(field.type, GraphQLNonNull)
    inner: Any = field.type if nullable else field.type.of_type
    is_list = isinstance(inner, GraphQLList)
    items_nullable = False
    if is_list:
        items_nullable = not isinstance(inner.of_type, GraphQLNonNull)
        inner = inner.of_type if items_nullable else inner.of_type.of_type
    if not isinstance(inner, GraphQLObjectType):
        return None
    plan = static_plan(schema, operation, inner, [FieldDetails(node, None)])
    if not plan:
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    response_key = node.alias.value if node.alias else node.name.value
    return DirectField(
        operation,
        node,
        response_key,
        field,
        root_type,
        fragments,
        plan,
        nullable,
        is_list,
        items_nullable,
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """The root field's value, resolved here, which graphql-core must complete and report."""

    value: Any

    def resolve(self, next_: Any, root: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        """As graphql-core middleware (an object with `resolve`): the root field answers this
        value instead of resolving it again."""
        if info.path.prev is None:
            return self.value
        return next_(root, info, **args)


async def execute_direct(
    schema: GraphQLSchema,
    direct: DirectField,
    *,
    variable_values: dict[str, Any] | None,
    context_value: Any,
    root_value: Any,
    operation_extensions: dict[str, Any] | None,
) -> ExecutionResult | Resolved | None:
    """The answer graphql-core would give; None where graphql-core must run the operation, or
    the resolved value it must complete to give it."""
    variables = get_variable_values(
        schema, direct.operation.variable_definitions or (), variable_values or {}
    )
    if isinstance(variables, list):
        return None
    try:
        arguments = get_argument_values(direct.field, direct.node, variables)
    except GraphQLError:
        return None
    info = ResolveInfo(
        direct.node.name.value,
        [direct.node],
        direct.field.type,
        direct.parent_type,
        Path(None, direct.key, direct.parent_type.name),
        schema,
        direct.fragments,
        root_value,
        direct.operation,
        variables.coerced,  # as Strawberry's execution context hands them to resolvers
        context_value,
        optimized_is_awaitable,
        None,
        _NO_ASYNC_WORK,
        operation_extensions,  # type: ignore[arg-type]  # None when absent, as Strawberry passes it
    )
    try:
        value = direct.field.resolve(root_value, info, **arguments)  # type: ignore[misc]
        if optimized_is_awaitable(value):
            value = await value
    except Exception as error:
        located = located_error(error, [direct.node], [direct.key])
        return ExecutionResult({direct.key: None} if direct.nullable else None, [located])
    answer = _answer(direct, value)
    return Resolved(value) if answer is _ORDINARY else ExecutionResult({direct.key: answer}, None)


_ORDINARY = object()  # the value needs graphql-core's completion (and its errors)


def _answer(direct: DirectField, value: Any) -> Any:
    if value is None:
        return None if direct.nullable else _ORDINARY
    answer: list[Any] | dict[str, Any] | None = (
        complete_items(direct.plan, direct.items_nullable, value)
        if direct.is_list
        else direct.plan.answer(value)
    )
    return _ORDINARY if answer is None else answer


def _no_async_work(_values: Sequence[Any]) -> NoReturn:
    """No resolver of ours hands work to the executor, and this path has no executor."""
    raise RuntimeError("graph/fast/direct.py runs no executor to gather or track work")


def _no_gathering(_values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    _no_async_work(_values)


_NO_ASYNC_WORK = GraphQLResolveInfoHelpers(gather=_no_gathering, track=_no_async_work)
