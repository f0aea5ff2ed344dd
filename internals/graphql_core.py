"""graphql-core's internal names: the executor's steps that graph/fast/ overrides or calls,
field collection, value coercion, and the resolve info's helpers."""

from __future__ import annotations

from typing import Any

from graphql import execute
from graphql.execution import Executor
from graphql.execution.collect_fields import (
    CollectedFields,
    DeferUsage,
    FieldDetails,
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type.definition import GraphQLResolveInfoHelpers
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from graphql.validation.validate import ValidationAbortedError

from internals import Shape

__all__ = [
    "GRAPHQL_MAX_INT",
    "GRAPHQL_MIN_INT",
    "AwaitableOrValue",
    "CollectedFields",
    "DeferUsage",
    "Executor",
    "FieldDetails",
    "FieldDetailsList",
    "GraphQLResolveInfoHelpers",
    "GroupedFieldSet",
    "Path",
    "ValidationAbortedError",
    "VariableValues",
    "collect_fields",
    "collect_subfields",
    "forget_sub_fields",
    "get_argument_values",
    "get_variable_values",
]


def forget_sub_fields(executor: Executor[Any]) -> None:
    """Empty the executor's memo of collected sub-selections (keyed on field lists' identity)."""
    executor._relevant_sub_fields = {}


_COMPLETE = ("return_type", "field_details_list", "info", "path", "result", "position_context")
SHAPES = [
    Shape(Executor, "complete_object_value", parameters=_COMPLETE),
    Shape(Executor, "complete_list_value", parameters=_COMPLETE),
    Shape(Executor, "build_per_event_executor", parameters=("payload",)),
    Shape(Executor, "collect_subfields", parameters=("return_type", "field_details_list")),
    Shape(Executor, "get_stream_usage", parameters=("field_details_list", "path")),
    Shape(Executor, "execute_operation", parameters=("serially",)),
    Shape(
        Executor,
        "execute_collected_root_fields",
        parameters=(
            "root_type",
            "root_value",
            "grouped_field_set",
            "serially",
            "new_defer_usages",
        ),
    ),
    *(
        Shape(Executor, name, set_in=Executor.__init__)
        for name in (
            "_relevant_sub_fields",
            "middleware_manager",
            "schema",
            "operation",
            "abort_signal",
            "hooks",
            "hide_suggestions",
            "fragments",
            "variable_values",
        )
    ),
    Shape(execute, "__call__", parameters=None),
    Shape(
        collect_subfields,
        "__call__",
        parameters=(
            "schema",
            "fragments",
            "variable_values",
            "operation",
            "return_type",
            "field_details_list",
            "hide_suggestions",
        ),
    ),
    Shape(
        collect_fields,
        "__call__",
        parameters=(
            "schema",
            "fragments",
            "variable_values",
            "runtime_type",
            "operation",
            "hide_suggestions",
            "forbid_skip_and_include",
            "on_selection_set",
        ),
    ),
    Shape(
        get_argument_values,
        "__call__",
        parameters=(
            "type_def",
            "node",
            "variable_values",
            "fragment_variable_values",
            "hide_suggestions",
        ),
    ),
    Shape(
        get_variable_values,
        "__call__",
        parameters=("schema", "var_def_nodes", "inputs", "max_errors", "hide_suggestions"),
    ),
    Shape(FieldDetails, "", fields=("node", "defer_usage", "fragment_variable_values")),
    Shape(
        CollectedFields,
        "",
        fields=("grouped_field_set", "new_defer_usages", "forbidden_directive_instances"),
    ),
    Shape(VariableValues, "", fields=("sources", "coerced")),
    Shape(GraphQLResolveInfoHelpers, "", fields=("gather", "track")),
]
