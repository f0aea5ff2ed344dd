"""JSON POSTs to /graphql, answered by the lane, behave as Strawberry's endpoint does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import graph.posts
from main import MAX_BODY_BYTES


def test_a_body_over_the_app_limit_is_413(client: TestClient) -> None:
    body = b'{"query": "{ logs { id } }", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_the_lane_answers_json_posts_with_the_request_in_the_context(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    original = graph.posts.get_context

    async def recording(request):  # type: ignore[no-untyped-def]
        context = await original(request)
        seen.append(context)
        return context

    monkeypatch.setattr(graph.posts, "get_context", recording)
    answer = client.post(
        "/graphql",
        content=b'{"query": "{ logs { id } }"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert answer.status_code == 200
    assert answer.json() == {"data": {"logs": []}}
    (context,) = seen
    assert context.request.url.path == "/graphql"
    assert context.response is not None


@pytest.mark.parametrize(
    "query",
    [
        "{ logs(limit: 2) { id level message metadata } }",
        "{ logs(limit: 5000) { id } }",  # a resolver error
        "{ logs { nope } }",  # a validation error
        "{ logs(filter: {startTime: 7}) { id } }",  # an argument error
        "subscription { alerts { id } }",  # never over HTTP
        "query A { logs { id } } query B { logs { id } }",  # no operation named
    ],
)
def test_posts_answer_as_strawberrys_endpoint_does(client: TestClient, query: str) -> None:
    for message in ("one", "two"):
        client.post("/api/v1/logs/", json={"level": "INFO", "message": message, "service": "s"})
    same_id = {"x-request-id": "one-id"}  # failed answers carry it
    post = client.post("/graphql", json={"query": query}, headers=same_id)
    strawberry = client.post(
        "/graphql", content=f"query={query}", headers={"content-type": "application/graphql"}
    )
    get = client.get("/graphql", params={"query": query}, headers=same_id)
    assert (post.status_code, post.text) == (get.status_code, get.text.replace("GET", "POST"))
    assert post.headers["content-type"] == get.headers["content-type"]
    assert strawberry.status_code == 400  # other content types still reach Strawberry's endpoint


def test_other_content_types_keep_strawberrys_answers(client: TestClient) -> None:
    refused = client.post("/graphql", content=b"x", headers={"content-type": "text/plain"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "Unsupported content type"
    almost = client.post(
        "/graphql", content=b"{}", headers={"content-type": "text/plain; x=application/json"}
    )
    assert almost.json()["errors"][0]["message"] == "Unsupported content type"
