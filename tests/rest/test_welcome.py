"""`GET /`: the legacy welcome for API clients, exactly as the contract says; browsers asking
for HTML go to the explorer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rest.welcome import EXPLORER
from ui.explore import EXPLORE_PATH

WELCOME = {"message": "Log Aggregation Service is up and running"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/json, text/html", "text/html;q=0.5, */*"],
)
def test_api_clients_get_the_legacy_welcome(client: TestClient, accept: str | None) -> None:
    headers = {} if accept is None else {"accept": accept}
    response = client.get("/", headers=headers, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == WELCOME


@pytest.mark.parametrize("accept", [BROWSER, "text/html", "text/html, application/json;q=0.9"])
def test_a_browser_asking_for_html_is_sent_to_the_explorer(client: TestClient, accept: str) -> None:
    response = client.get("/", headers={"accept": accept}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == EXPLORE_PATH
    assert "Accept" in response.headers["vary"]


def test_the_welcome_redirects_to_the_path_the_explorer_is_served_at() -> None:
    assert EXPLORER == EXPLORE_PATH
