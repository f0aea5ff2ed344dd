"""One log POSTed with a declared length takes the lane (rest/posts.py); sent in chunks, the
same body reaches FastAPI's route. Every answer must be the same either way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

import rest.posts
from main import create_app
from tests.access.support import ADMIN_KEY, bearer, create_key
from tests.conftest import app_settings
from tests.factories import log_json

LOG = log_json(metadata_={"request_id": "abc-123", "user": {"id": 42}})
BODIES: dict[str, bytes] = {
    "valid": orjson.dumps(LOG),
    "valid without timestamp or metadata": b'{"level":"info","service":"api","message":"m"}',
    "zoned timestamp": orjson.dumps({**LOG, "timestamp": "2025-10-09T14:00:00+02:00"}),
    "null metadata": orjson.dumps({**LOG, "metadata_": None}),
    "extra field": orjson.dumps({**LOG, "colour": "blue"}),
    "long integer (json.loads keeps it exact)": orjson.dumps(LOG)[:-2]
    + b',"n":123456789012345678901234567890}}',
    "not JSON": b'{"level": "info",',
    "NaN": b'{"level":"info","service":"api","message":"m","metadata_":{"x":NaN}}',
    "a list": b"[1, 2]",
    "empty": b"",
    "unknown level": orjson.dumps({**LOG, "level": "LOUD"}),
    "missing message": orjson.dumps({"level": "INFO", "service": "api"}),
    "bad service": orjson.dumps({**LOG, "service": "no spaces allowed"}),
    "message too long": orjson.dumps({**LOG, "message": "x" * (64 * 1024 + 1)}),
    "metadata not an object": orjson.dumps({**LOG, "metadata_": [1, 2]}),
    "lone surrogate": b'{"level":"info","service":"api","message":"\\ud800"}',
}


def _chunks(body: bytes) -> Iterator[bytes]:
    yield body  # a generator: httpx sends it chunked, with no content-length


def _answer(client: TestClient, body: bytes, *, chunked: bool, **headers: str) -> tuple[int, Any]:
    sent = _chunks(body) if chunked else body
    response = client.post(
        "/api/v1/logs/", content=sent, headers={"content-type": "application/json", **headers}
    )
    answer = response.json()
    if isinstance(answer, dict):
        answer.pop("id", None)
        answer.pop("requestId", None)
        if b'"timestamp"' not in body:
            answer.pop("timestamp", None)  # the server's clock
    return response.status_code, answer


@pytest.mark.parametrize("name", BODIES)
def test_the_lane_answers_every_body_as_the_route_does(client: TestClient, name: str) -> None:
    body = BODIES[name]
    assert _answer(client, body, chunked=False) == _answer(client, body, chunked=True)


def test_a_lane_create_is_stored_and_labelled_as_the_route_would_be(client: TestClient) -> None:
    for path in ("/api/v1/logs/", "/api/v1/logs"):
        created = client.post(
            path,
            content=BODIES["valid"],
            headers={"content-type": "application/json; charset=utf-8"},
        ).json()
        assert client.get(f"/api/v1/logs/{created['id']}").json() == created
    metrics = client.get("/metrics").text
    assert 'route="/api/v1/logs",status="200"' in metrics
    assert 'route="/api/v1/logs/",status="200"' in metrics


@pytest.mark.parametrize(
    "settings_overrides",
    [{"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}],
)
def test_the_lane_asks_for_keys_and_scopes_as_the_route_does(client: TestClient) -> None:
    reader = create_key(client, "reader", "READ")
    writer = create_key(client, "writer", "INGEST")
    body = BODIES["valid"]
    for headers in ({}, bearer("lg_not-a-key"), bearer(reader), bearer(writer)):
        lane = _answer(client, body, chunked=False, **headers)
        route = _answer(client, body, chunked=True, **headers)
        assert lane == route
    assert [_answer(client, body, chunked=False, **h)[0] for h in ({}, bearer(reader))] == [
        401,
        403,
    ]


def test_the_lane_answers_503_when_the_database_is_down(dead_database: TestClient) -> None:
    lane = _answer(dead_database, BODIES["valid"], chunked=False)
    assert lane == (503, {"detail": "Database unavailable"})
    assert lane == _answer(dead_database, BODIES["valid"], chunked=True)


@pytest.mark.parametrize("switch", ["on", "off"])
def test_rest_fast_path_decides_whether_the_lane_answers(
    database_url: str, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    answered: list[int] = []
    answer = rest.posts.LogPosts.answer

    async def counting(self: rest.posts.LogPosts, *args: Any, **kwargs: Any) -> None:
        answered.append(1)
        await answer(self, *args, **kwargs)

    monkeypatch.setattr(rest.posts.LogPosts, "answer", counting)
    settings = app_settings(
        database_url=database_url, enable_alerts=False, rest_fast_path=switch == "on"
    )
    with TestClient(create_app(settings)) as client:
        status, created = _answer(client, BODIES["valid"], chunked=False)
        client.delete(f"/api/v1/logs/{client.get('/api/v1/logs/').json()[0]['id']}")
    assert (status, created["message"]) == (200, LOG["message"])
    assert answered == ([1] if switch == "on" else [])
