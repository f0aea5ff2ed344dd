"""Strawberry's internal names: the execution context and resolve info it builds, the schema
converter's back-references, the HTTP view's steps, the WebSocket protocol handlers, and its
input conversion."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.fastapi import GraphQLRouter
from strawberry.http.parse_content_type import parse_content_type
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.schema import Schema
from strawberry.schema.schema import (
    StrawberryGraphQLCoreExecutionContext,
)
from strawberry.schema.schema import (
    _OperationContextAwareGraphQLResolveInfo as ResolveInfo,
)
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    Message,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyErrorMessage
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage, StartMessage
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.nodes import SelectedField, Selection
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.operation import get_first_operation, get_operation_type
from strawberry.utils.str_converters import to_camel_case

from internals import Shape

__all__ = [
    "BaseGraphQLTransportWSHandler",
    "BaseGraphQLWSHandler",
    "CustomGraphQLEnumType",
    "ErrorMessage",
    "GraphQLCoreConverter",
    "InputContext",
    "LegacyErrorMessage",
    "Message",
    "OperationMessage",
    "ResolveInfo",
    "SelectedField",
    "Selection",
    "StartMessage",
    "StrawberryEnumDefinition",
    "StrawberryGraphQLCoreExecutionContext",
    "StrawberryList",
    "StrawberryOptional",
    "SubscribeMessage",
    "await_maybe",
    "definition_of",
    "get_first_operation",
    "get_operation_type",
    "graphql_core_schema",
    "has_enum_definition",
    "has_object_definition",
    "normalize_allowed_origins",
    "optimized_is_awaitable",
    "parse_content_type",
    "to_camel_case",
]


def graphql_core_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema a Strawberry schema converted itself to."""
    converted: GraphQLSchema = schema._schema
    return converted


def definition_of(extensions: dict[str, Any] | None) -> Any:
    """The Strawberry field a graphql-core field was converted from (None: not one of them)."""
    return (extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)


_VIEW = GraphQLRouter
SHAPES = [
    Shape(
        ResolveInfo,
        "",
        fields=(
            "field_name",
            "field_nodes",
            "return_type",
            "parent_type",
            "path",
            "schema",
            "fragments",
            "root_value",
            "operation",
            "variable_values",
            "context",
            "is_awaitable",
            "abort_signal",
            "async_helpers",
            "operation_extensions",
        ),
    ),
    Shape(Schema, "_schema", set_in=Schema.__init__),
    Shape(Schema, "extensions", set_in=Schema.__init__),
    Shape(Schema, "process_errors", parameters=("errors", "execution_context")),
    Shape(GraphQLCoreConverter, "DEFINITION_BACKREF"),
    Shape(CustomGraphQLEnumType, "wrapped_cls", set_in=CustomGraphQLEnumType.__init__),
    Shape(
        StrawberryGraphQLCoreExecutionContext,
        "__init__",
        parameters=("args", "kwargs"),
    ),
    Shape(_VIEW, "parse_http_body", parameters=("request",)),
    Shape(_VIEW, "run", parameters=("request", "context", "root_value")),
    Shape(_VIEW, "create_response", parameters=("response_data", "sub_response")),
    Shape(_VIEW, "render_graphql_ide", parameters=("request",)),
    Shape(_VIEW, "encode_json", parameters=("data",)),
    Shape(_VIEW, "decode_json", parameters=("data",)),
    Shape(
        _VIEW,
        "execute_single",
        parameters=(
            "request",
            "request_adapter",
            "sub_response",
            "context",
            "root_value",
            "request_data",
        ),
    ),
    Shape(_VIEW, "process_result", parameters=("request", "result")),
    Shape(_VIEW, "request_adapter_class"),
    Shape(_VIEW, "graphql_transport_ws_handler_class"),
    Shape(_VIEW, "graphql_ws_handler_class"),
    Shape(BaseGraphQLTransportWSHandler, "handle", parameters=()),
    Shape(BaseGraphQLTransportWSHandler, "handle_message", parameters=("message",)),
    Shape(BaseGraphQLTransportWSHandler, "handle_subscribe", parameters=("message",)),
    Shape(BaseGraphQLTransportWSHandler, "handle_connection_init", parameters=("message",)),
    Shape(BaseGraphQLTransportWSHandler, "handle_invalid_message", parameters=("error_message",)),
    *(
        Shape(BaseGraphQLTransportWSHandler, name, set_in=BaseGraphQLTransportWSHandler.__init__)
        for name in (
            "connection_init_timeout_task",
            "operations",
            "connection_acknowledged",
            "websocket",
            "context",
        )
    ),
    Shape(BaseGraphQLTransportWSHandler, "send_message", parameters=("message",)),
    *(
        Shape(BaseGraphQLWSHandler, name, set_in=BaseGraphQLWSHandler.__init__)
        for name in ("tasks", "connection_acknowledged", "websocket", "context")
    ),
    Shape(BaseGraphQLWSHandler, "send_message", parameters=("message",)),
    Shape(BaseGraphQLWSHandler, "handle", parameters=()),
    Shape(BaseGraphQLWSHandler, "handle_message", parameters=("message",)),
    Shape(BaseGraphQLWSHandler, "handle_start", parameters=("message",)),
    Shape(BaseGraphQLWSHandler, "handle_connection_init", parameters=("message",)),
    Shape(InputContext, "__init__", parameters=("info", "config", "scalar_registry", "path")),
]
