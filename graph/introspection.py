"""Introspection is a read: `__schema` and `__type` need READ, as every other query field.

graphql-core resolves those two fields itself, so no permission class of ours sees them; the
check runs where graphql-core executes an operation's root fields, in the execution context
both schemas use (with the fast path and without)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, OperationType, located_error

from core.access import Scope, require
from core.errors import ResolverError
from graph.access import caller_in
from internals.graphql_core import AwaitableOrValue, DeferUsage, GroupedFieldSet
from internals.strawberry import StrawberryGraphQLCoreExecutionContext

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class IntrospectionGuard(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, refusing introspection to a caller without READ."""

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Sequence[DeferUsage],
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self.operation.operation is OperationType.QUERY:
            self._check_introspection(grouped_field_set)
        return super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, new_defer_usages
        )

    def _check_introspection(self, grouped_field_set: GroupedFieldSet) -> None:
        """Without READ the whole answer is refused, as a refused root field of ours would be."""
        for key, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            if node.name.value in INTROSPECTION_FIELDS:
                try:
                    require(caller_in(self.context_value), Scope.READ)
                except ResolverError as refusal:
                    error: GraphQLError = located_error(refusal, [node], [key])
                    raise error from None
