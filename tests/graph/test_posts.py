"""JSON POSTs to /graphql, answered by the lane, behave as Strawberry's endpoint does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import BackgroundTasks
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

import graph.context
import graph.fast.posts
from graph.context import Context
from main import MAX_BODY_BYTES
from tests.conftest import fast_path_only  # noqa: F401  # the fast path's own tests


def test_a_body_over_the_app_limit_is_413(client: TestClient) -> None:
    body = b'{"query": "{ logs { id } }", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_the_lanes_context_has_what_the_routes_has(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Context] = []
    original = graph.context.get_context  # what graph.fast.posts calls

    async def recording(request: HTTPConnection) -> Context:
        context = await original(request)
        seen.append(context)
        return context

    monkeypatch.setattr(graph.fast.posts, "get_context", recording)
    answer = client.post(
        "/graphql",
        content=b'{"query": "{ logs { id } }"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert answer.status_code == 200
    assert answer.json() == {"data": {"logs": []}}
    (context,) = seen
    assert context.request is not None
    assert context.request.url.path == "/graphql"
    assert context.response is not None
    assert isinstance(context.background_tasks, BackgroundTasks)  # as Strawberry's route sets


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


def test_posts_pass_the_apps_middleware(client: TestClient) -> None:
    rebound = client.post(
        "/graphql", json={"query": "{ logs { id } }"}, headers={"host": "rebind.example:8000"}
    )
    assert (rebound.status_code, rebound.text) == (400, "Invalid host header")
    answered = client.post("/graphql", json={"query": "{ logs { id } }"})
    assert answered.headers["x-request-id"]
    metrics = client.get("/metrics").text
    assert 'route="/graphql"' in metrics
    assert 'route="unmatched",status="200"' not in metrics


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": "http://dash.test"}])
def test_posts_from_an_allowed_origin_get_cors_headers(client: TestClient) -> None:
    answer = client.post(
        "/graphql", json={"query": "{ logs { id } }"}, headers={"origin": "http://dash.test"}
    )
    assert answer.headers["access-control-allow-origin"] == "http://dash.test"
    other = client.post(
        "/graphql", json={"query": "{ logs { id } }"}, headers={"origin": "http://evil.test"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_a_body_sent_without_a_length_is_still_capped(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ logs { id } }", "pad": "'
        for _ in range(MAX_BODY_BYTES // (1 << 20) + 1):
            yield b"x" * (1 << 20)
        yield b'"}'

    answer = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "body"}
