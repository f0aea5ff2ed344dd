"""The legacy `/api/v1` REST contract (and its `/` welcome), mapped onto the shared resolvers."""

from fastapi import APIRouter, Depends

from core.callers import ACCESS_RESPONSES, check_access
from rest import bulk, logs, stats, welcome
from rest.openapi import UNAVAILABLE

api_router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(check_access)],
    responses={**ACCESS_RESPONSES, **UNAVAILABLE},
)
api_router.include_router(logs.router)
api_router.include_router(bulk.router)
api_router.include_router(stats.router)
welcome_router = welcome.router

__all__ = ["api_router", "welcome_router"]
