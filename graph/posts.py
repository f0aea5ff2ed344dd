"""POST /graphql with a JSON body, answered as soon as the app's own middleware has run.

Between our middleware and Strawberry's view sit Starlette's exception middleware, FastAPI's
exit stack, the router, the route and the view's own preamble (its request adapter, the
content-type parsing, the GraphiQL check). For the busiest request there is, a page of logs,
those layers cost more CPU than building its SQL. This lane sits innermost among the app's
middleware (inside CORS, the Host check, the request id and the body limit, which all still
apply) and hands the operation to the same view methods Strawberry's endpoint ends with:
`execute_single`, `process_result`, `create_response`. Anything else at that path (GET,
WebSockets, other content types) goes on to Strawberry's endpoints.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from graph import body
from graph.context import get_context
from graph.router import LographGraphQLRouter

JSON = b"application/json"


class GraphQLPosts:
    def __init__(self, app: ASGIApp, *, path: str, view: LographGraphQLRouter) -> None:
        self.app = app
        self.path = path
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or not _json_post(scope):
            await self.app(scope, receive, send)
            return
        scope["route"] = self  # for the metrics' route label, as a matched route would be
        response = await self.answer(Request(scope, receive))
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        view = self.view
        sub_response = Response()  # what Strawberry's endpoint passes: no length, no status
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        context = await get_context(request)
        context.request = request
        context.response = sub_response
        try:
            operation = await body.read_operation(await request.body())
            result = await view.execute_single(
                request=request,
                request_adapter=view.request_adapter_class(request),
                sub_response=sub_response,
                context=context,
                root_value=None,
                request_data=operation,
            )
        except Exception as error:
            refusal = view.refusal_for(error)
            if refusal is None:
                raise
            return refusal
        answer = await view.process_result(request, result)
        return view.create_response(answer, sub_response)


def _json_post(scope: Scope) -> bool:
    """As Strawberry decides it: the media type, before any parameters, names JSON."""
    if scope["method"] != "POST":
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return JSON in value.split(b";", 1)[0].strip().lower()
    return False
