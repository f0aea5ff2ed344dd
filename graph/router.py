"""Mounts the schema on FastAPI: context per request and GraphiQL with a useful first query."""

from __future__ import annotations

import re
from functools import cache

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

from graph.context import Context
from graph.schema import schema
from rest.deps import get_services

EXAMPLE_QUERY = """# lograph: the newest errors and warnings of the last day, and their counts.
query RecentProblems($since: DateTime) {
  logs(filter: {minLevel: WARN, startTime: $since}, limit: 20) {
    id
    timestamp
    level
    service
    message
    metadata
  }
  stats(filter: {minLevel: WARN, startTime: $since}) {
    totalLogs
    byService { service count }
  }
}
"""


@cache
def graphiql_html() -> str:
    """Strawberry's GraphiQL page with our example in place of its welcome text."""
    html = get_graphql_ide_html(graphql_ide="graphiql")
    example = EXAMPLE_QUERY.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    return re.sub(
        r"const EXAMPLE_QUERY = `.*?`;",
        lambda _match: f"const EXAMPLE_QUERY = `{example}`;",
        html,
        count=1,
        flags=re.DOTALL,
    )


class LographGraphQLRouter(GraphQLRouter[Context, None]):
    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())


async def get_context(connection: HTTPConnection) -> Context:
    return Context(get_services(connection))


def graphql_router() -> LographGraphQLRouter:
    return LographGraphQLRouter(schema, context_getter=get_context)
