"""The legacy `/api/v1` REST contract (and its `/` welcome), mapped onto the shared resolvers."""

from fastapi import APIRouter

from rest import bulk, logs, stats, welcome

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(logs.router)
api_router.include_router(bulk.router)
api_router.include_router(stats.router)
welcome_router = welcome.router

__all__ = ["api_router", "welcome_router"]
