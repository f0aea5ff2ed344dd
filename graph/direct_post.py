"""POST /graphql served without FastAPI's per-request dependency solving.

Strawberry's FastAPI endpoint receives its context, root value, sub-response and background
tasks through `Depends`; solving that graph, for every request, cost more CPU than building the
SQL. A plain route for POST at the same path, matched before the included router, builds the
same arguments directly and calls the same view, behind the same middleware (the app's body
limit among them, which Strawberry's route only repeated).
GET (GraphiQL, query strings) and WebSockets keep Strawberry's endpoints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import BackgroundTasks, FastAPI, Request, Response
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from graph.context import get_context
from graph.router import LographGraphQLRouter

Handler = Callable[[Request], Awaitable[Response]]


def serve_posts_directly(app: FastAPI, view: LographGraphQLRouter, path: str) -> None:
    """POST `path` reaches `view` through the direct handler, ahead of every other route."""
    route = Route(path, direct_handler(view), methods=["POST"], include_in_schema=False)
    app.router.routes.insert(0, route)


def direct_handler(view: LographGraphQLRouter) -> Handler:
    """What Strawberry's `handle_http_post` does once FastAPI has solved its dependencies."""

    async def handle(request: Request) -> Response:
        sub_response = Response()  # as FastAPI's Response dependency: no length, no status yet
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        background = BackgroundTasks()
        context = await get_context(request)
        context.request = request
        context.background_tasks = background
        context.response = sub_response
        view.temporal_response = sub_response  # type: ignore[attr-defined]  # get_sub_response
        response = await view.run(request, context=context, root_value=None)
        if not isinstance(response, Response):  # a WebSocket never reaches a POST route
            return PlainTextResponse("Not Found", status_code=404)
        if response.background is None:
            response.background = background
        return response

    return handle
