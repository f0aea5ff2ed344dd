"""POST /graphql through the direct handler behaves as Strawberry's FastAPI endpoint did."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

import graph.direct_post
from main import MAX_BODY_BYTES


def test_post_is_served_by_the_direct_route_first(client: TestClient) -> None:
    first = client.app.router.routes[0]  # type: ignore[attr-defined]
    assert isinstance(first, Route)
    assert (first.path, first.methods) == ("/graphql", {"POST"})


def test_a_body_over_the_app_limit_is_413(client: TestClient) -> None:
    body = b'{"query": "{ logs { id } }", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_the_context_carries_request_response_and_background_tasks(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    original = graph.direct_post.get_context

    async def recording(request):  # type: ignore[no-untyped-def]
        context = await original(request)
        seen.append(context)
        return context

    monkeypatch.setattr(graph.direct_post, "get_context", recording)
    answer = client.post("/graphql", json={"query": "{ logs { id } }"})
    assert answer.status_code == 200
    assert answer.json() == {"data": {"logs": []}}
    (context,) = seen
    assert context.request.url.path == "/graphql"
    assert context.response is not None
    assert context.background_tasks is not None


def test_get_and_unsupported_content_keep_strawberrys_answers(client: TestClient) -> None:
    assert client.get("/graphql", params={"query": "{ logs { id } }"}).json() == {
        "data": {"logs": []}
    }
    refused = client.post("/graphql", content=b"x", headers={"content-type": "text/plain"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "Unsupported content type"
