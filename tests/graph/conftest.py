"""Graph fixtures: each test runs with the fast path and without."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FAST_PATHS, fast_path_params


@pytest.fixture(params=fast_path_params(["fast", "plain"]))
def fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test here runs with the fast path and without: both must answer the same."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


@pytest.fixture(scope="module", params=fast_path_params(["fast", "plain"]))
def module_fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Both ways too for the app a module's tests share (`module_client`)."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings
