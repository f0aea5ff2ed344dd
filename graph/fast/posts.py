"""POST /graphql with a JSON body, answered after the app's own middleware alone.

FastAPI wraps every route in layers of its own (the server-error and exception middleware,
telemetry, three layers of body limit, an exit stack, the router, the route) and Strawberry's
view adds a preamble (its request adapter, content-type parsing, the GraphiQL check). For the
busiest request there is, a page of logs, those layers cost more CPU than building its SQL,
and every await in the resolvers resumes through all of them. So the app hands JSON POSTs at
this path to `GraphQLPosts` behind the same middleware classes it serves every other request
with (request id, Host check, CORS; see `main.Lanes`), and this endpoint calls the view
methods Strawberry's endpoint ends with: `execute_single`, `process_result`, `create_response`.
Anything else at the path (GET, WebSockets, other content types) reaches Strawberry's endpoints.
"""

from __future__ import annotations

from fastapi import BackgroundTasks
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from core.lanes import JSON, posted_media_type, read_body
from graph import body
from graph.context import get_context
from graph.router import LographGraphQLRouter


def is_graphql_post(scope: Scope) -> bool:
    """As Strawberry decides it: the media type names JSON."""
    media_type = posted_media_type(scope)
    return media_type is not None and JSON in media_type


class GraphQLPosts:
    """The endpoint: one operation in, its answer out, refusals as GraphQL error bodies."""

    def __init__(self, *, view: LographGraphQLRouter, max_body_bytes: int) -> None:
        self.view = view
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # for the metrics' route label, as a matched route would be
        try:
            response = await self.answer(scope, receive)
        except ClientDisconnect:
            return  # the client left (or was cut off) before its body arrived: nobody to answer
        await response(scope, receive, send)

    async def answer(self, scope: Scope, receive: Receive) -> Response:
        view = self.view
        request = Request(scope, receive)
        sub_response = Response()  # what Strawberry's endpoint passes: no length, no status
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        context = await get_context(request)
        # As Strawberry's route fills the context; tasks run after the answer, as in FastAPI.
        context.request = request
        context.response = sub_response
        context.background_tasks = tasks = BackgroundTasks()
        try:
            data = await read_body(scope, receive, limit=self.max_body_bytes)
            result = await view.execute_single(
                request=request,
                request_adapter=view.request_adapter_class(request),
                sub_response=sub_response,
                context=context,
                root_value=None,
                request_data=await body.read_operation(data),
            )
        except Exception as error:
            refusal = view.refusal_for(error)
            if refusal is None:
                raise
            return refusal
        answer = await view.process_result(request, result)
        response = view.create_response(answer, sub_response)
        response.background = tasks
        return response
