"""Host validation: only allowed names reach the app, over HTTP and WebSocket (DNS rebinding)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from main import create_app
from settings import load_settings

REBOUND = "rebind.attacker.example"
TRANSPORT_WS = "graphql-transport-ws"


@pytest.mark.parametrize("path", ["/api/v1/stats/", "/graphql", "/", "/docs", "/openapi.json"])
def test_a_request_with_an_unlisted_host_gets_400(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"host": f"{REBOUND}:8000"})
    assert response.status_code == 400
    assert response.text == "Invalid host header"


def test_requests_with_the_allowed_host_are_served(client: TestClient) -> None:
    assert client.get("/api/v1/stats/").status_code == 200
    assert client.get("/api/v1/stats/", headers={"host": "testserver:8000"}).status_code == 200


def test_the_probes_answer_any_host(client: TestClient) -> None:
    for path in ["/healthz", "/readyz", "/metrics"]:
        assert client.get(path, headers={"host": "10.1.2.3:8000"}).status_code == 200


def test_a_rebound_page_cannot_open_the_websocket(client: TestClient) -> None:
    """Origin and Host agree (the same-host check alone would pass): the Host is refused."""
    headers = {"host": f"{REBOUND}:8000", "origin": f"http://{REBOUND}:8000"}
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("/graphql", [TRANSPORT_WS], headers=headers),
    ):
        pass
    assert refused.value.status_code == 400


def test_the_default_hosts_are_loopback_and_the_cors_origins() -> None:
    settings = load_settings(cors_origins="https://dash.example.com:8443,http://[::1]:3000")
    assert settings.allowed_hosts == ["localhost", "127.0.0.1", "[::1]", "dash.example.com"]


def test_allowed_hosts_is_a_comma_list_and_star_allows_any() -> None:
    settings = load_settings(allowed_hosts=" Logs.Example.com , *.corp.example,::1")
    assert settings.allowed_hosts == ["logs.example.com", "*.corp.example", "[::1]"]
    assert load_settings(allowed_hosts="*").allowed_hosts == ["*"]


@pytest.mark.parametrize("value", ["logs.example.com:8000", "*logs.example.com", "a/b"])
def test_an_allowed_host_with_a_port_or_a_bad_wildcard_stops_start_up(value: str) -> None:
    with pytest.raises(SystemExit, match="ALLOWED_HOSTS"):
        load_settings(allowed_hosts=value)


def test_by_default_the_loopback_names_are_served_and_others_refused(tmp_path: Path) -> None:
    app = create_app(load_settings(database_url=f"sqlite:///{tmp_path / 'lograph.db'}"))
    with TestClient(app) as default_client:
        for host in ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"]:
            assert default_client.get("/", headers={"host": host}).status_code == 200, host
        for host in ["testserver", "localhost.attacker.example", "127.0.0.2", "[::2]:8000"]:
            assert default_client.get("/", headers={"host": host}).status_code == 400, host


@pytest.mark.parametrize("path", ["/api/v1/stats/", "/healthz"])
def test_a_request_with_two_host_headers_gets_400(client: TestClient, path: str) -> None:
    """Checking only the first would let a proxy that reads the last one pass a rebound name."""
    for hosts in [("testserver", REBOUND), ("testserver", "testserver")]:
        headers = [("host", host) for host in hosts]
        response = client.get(path, headers=headers)
        assert response.status_code == 400, hosts
        assert response.text == "Invalid host header"
