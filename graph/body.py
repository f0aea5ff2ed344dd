"""GraphQL requests over HTTP: a JSON body read into one operation, or a clear 400."""

from __future__ import annotations

import json

import anyio
from cross_web import HTTPException
from strawberry.http import GraphQLRequestData

from core.json_text import loads
from graph.limits import check_operation

# Bodies larger than this are decoded and checked in a worker thread, off the event loop.
OFF_LOOP_BYTES = 64 * 1024


def decode_json(data: str | bytes) -> object:
    """The body's JSON, or a 400 saying why it is not JSON."""
    try:
        return loads(data)
    except json.JSONDecodeError as error:
        raise HTTPException(400, f"The body is not valid JSON: {error}") from None


async def read_operation(body: bytes) -> GraphQLRequestData:
    """The operation a POSTed JSON body carries, its size limits checked."""
    if len(body) > OFF_LOOP_BYTES:
        return await anyio.to_thread.run_sync(_read_operation, body)
    return _read_operation(body)


def _read_operation(body: bytes) -> GraphQLRequestData:
    operation = to_operation(decode_json(body))
    check_operation(operation.query, operation.variables)
    return operation


def to_operation(data: object) -> GraphQLRequestData:
    """The operation in a decoded body; anything but one operation object is refused."""
    if isinstance(data, list):
        raise HTTPException(400, "Batching is not enabled: send one operation per request")
    if not isinstance(data, dict):
        raise HTTPException(400, "The body must be a JSON object with a `query` string")
    for key, kind, name in (
        ("query", str, "a string"),
        ("operationName", str, "a string"),
        ("variables", dict, "an object"),
        ("extensions", dict, "an object"),
    ):
        if not isinstance(data.get(key), (kind, type(None))):
            raise HTTPException(400, f"`{key}` must be {name} or null")
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )
