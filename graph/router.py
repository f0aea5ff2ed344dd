"""Mounts the schema on FastAPI: context per request, and GraphiQL (graph/ide.py) in browsers."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from graph.context import Context, get_context
from graph.ide import graphiql_html
from graph.schema import schema
from graph.sockets import LegacyWSHandler, TransportWSHandler

logger = logging.getLogger("lograph.graphql")


class LographGraphQLRouter(GraphQLRouter[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

    def encode_json(self, data: object) -> str:
        # orjson for answers only: decoding stays with `json`, which keeps big integers exact.
        # A str, not bytes: WebSocket messages must go out as text frames.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        """A body nested deeper than Python's recursion limit is bad JSON to us (400), not a
        RecursionError (500): nested `not` filters invite such bodies."""
        try:
            return json.loads(data)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "", 0) from None


def graphql_router(*, allowed_origins: Sequence[str] = ()) -> LographGraphQLRouter:
    """GraphQL over HTTP and WebSocket; browsers on other origins connect only when allowed."""
    return LographGraphQLRouter(
        schema,
        context_getter=get_context,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        keep_alive=True,  # `ka` every 15 s on graphql-ws keeps idle proxies from closing it
        keep_alive_interval=15,
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
