"""`/`: the predecessor's welcome, which legacy clients use as a health check."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["welcome"])


@router.get("/", summary="The legacy welcome message")
async def welcome() -> dict[str, str]:
    return {"message": "Log Aggregation Service is up and running"}
