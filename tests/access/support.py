"""API key helpers: the bootstrap key, creating keys, and requests that carry one."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

ADMIN_KEY = "bootstrap-admin-key-for-tests"
CREATE = """mutation($name: String!, $scopes: [ApiKeyScope!]!, $rate: Float) {
  createApiKey(name: $name, scopes: $scopes, rateLimitPerSecond: $rate) {
    key apiKey { name scopes createdAt lastUsedAt rateLimitPerSecond }
  }
}"""
REVOKE = "mutation($name: String!) { revokeApiKey(name: $name) { name } }"


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def call(
    client: TestClient, query: str, variables: dict[str, Any] | None = None, *, key: str | None
) -> dict[str, Any]:
    """POST a GraphQL operation with this key (or none) and return the JSON answer."""
    headers = {} if key is None else bearer(key)
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def create_key(client: TestClient, name: str, *scopes: str, rate: float | None = None) -> str:
    """A new key with these scopes, made with the bootstrap admin key."""
    body = call(client, CREATE, {"name": name, "scopes": list(scopes), "rate": rate}, key=ADMIN_KEY)
    assert "errors" not in body, body
    key: str = body["data"]["createApiKey"]["key"]
    return key


def codes(body: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in body.get("errors", [])}


def fresh_window(seconds: int) -> None:
    """Start at the beginning of a rate-limit window, so one window holds every request."""
    time.sleep(seconds - time.time() % seconds + 0.01)
