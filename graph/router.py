"""Mounts the schema on FastAPI: context per request, and GraphiQL (graph/ide.py) in browsers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET

from core.errors import TooLargeError, UserInputError
from core.json_text import loads
from graph import body, socket_limits
from graph.context import Context, get_context
from graph.errors import bounded
from graph.ide import graphiql_html
from graph.limits import check_operation
from graph.schema import build_schema
from graph.socket_limits import LegacyWSHandler, TransportWSHandler
from internals.strawberry import normalize_allowed_origins, parse_content_type

logger = logging.getLogger("lograph.graphql")


class LographGraphQLRouter(GraphQLRouter[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

    def encode_json(self, data: object) -> str:
        # A str, not bytes: WebSocket messages must go out as text frames.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        # Query-string parameters and WebSocket messages; POST bodies go through read_operation.
        # Strawberry turns a JSONDecodeError into a 400 or a closed socket.
        return loads(data)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "POST" and "application/json" in content_type:
            return await body.read_operation(await request.get_body())
        operation = await super().parse_http_body(request)  # a query string, or a refusal
        assert isinstance(operation, GraphQLRequestData)  # batching is off
        check_operation(operation.query, operation.variables)
        return operation

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        """Refusals as GraphQL error bodies with their HTTP status, never plain text or 500."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        except Exception as error:
            refusal = self.refusal_for(error)
            if refusal is None:
                raise
            return refusal

    def refusal_for(self, error: Exception) -> Response | None:
        """The answer to a request refused before execution; None for any other error."""
        if isinstance(error, TooLargeError):
            return self._refusal(413, str(error), error.extensions)
        if isinstance(error, UserInputError):
            return self._refusal(400, str(error), error.extensions)
        if isinstance(error, HTTPException):
            return self._refusal(error.status_code, error.reason, {"code": "BAD_USER_INPUT"})
        return None

    def _refusal(self, status: int, message: str, extensions: dict[str, Any]) -> Response:
        answer = {"errors": [{"message": bounded(message), "extensions": extensions}]}
        return Response(self.encode_json(answer), status, media_type="application/json")

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if error_codes(response_data) & {"SERVICE_UNAVAILABLE", "TIMEOUT"}:
            response.status_code = 503  # the database is down or timed out, as on REST
        return response


def error_codes(response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> set[str]:
    """Every `extensions.code` among the answer's errors."""
    answers = response_data if isinstance(response_data, list) else [response_data]
    codes = set()
    for answer in answers:
        for error in answer.get("errors") or []:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(extensions, dict):
                codes.add(str(extensions.get("code")))
    return codes


def graphql_router(
    *, allowed_origins: Sequence[str] = (), fast_path: bool = True
) -> LographGraphQLRouter:
    """GraphQL over HTTP and WebSocket; browsers on other origins connect only when allowed.
    `fast_path` is GRAPHQL_FAST_PATH (graph/fast/)."""
    return LographGraphQLRouter(
        build_schema(fast_path=fast_path),
        context_getter=get_context,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        keep_alive=True,  # `ka` every 15 s on graphql-ws keeps idle proxies from closing it
        keep_alive_interval=15,
        connection_init_wait_timeout=socket_limits.CONNECTION_INIT_TIMEOUT,
        max_subscriptions_per_connection=socket_limits.MAX_SUBSCRIPTIONS_PER_CONNECTION,
        allowed_origins=websocket_origins(allowed_origins),
    )


def websocket_origins(origins: Sequence[str]) -> list[str]:
    """The CORS_ORIGINS entries a WebSocket Origin can be checked against; others are skipped."""
    usable = []
    for origin in origins:
        try:
            normalize_allowed_origins([origin])
        except ValueError:
            logger.warning("CORS_ORIGINS entry %r is not an origin; ignored for WebSockets", origin)
            continue
        usable.append(origin)
    return usable
