"""Start-up's objects stay out of the cyclic collector's walks while the app serves, and only
then."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from main import create_app
from settings import Settings


def test_startup_objects_are_frozen_while_serving_and_released_at_shutdown(
    tmp_path: Path,
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/heap.db"))
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000  # the schema, routes and engines at least
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
