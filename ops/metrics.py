"""`/metrics`: Prometheus text format, for every worker at once in multiprocess mode."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from core.access import Scope, require
from core.callers import get_caller
from core.metrics import MULTIPROCESS

router = APIRouter(tags=["operations"])


def _registry() -> CollectorRegistry:
    if not MULTIPROCESS:
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    return collected


@router.get(
    "/metrics",
    summary="Prometheus metrics; needs an admin key unless METRICS_PUBLIC",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, 401: {}, 403: {}},
)
async def metrics(request: Request) -> Response:
    if not request.app.state.metrics_public:
        require(await get_caller(request), Scope.ADMIN)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
