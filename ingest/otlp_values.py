"""OTLP's AnyValue and KeyValue lists as JSON values, within the attribute bounds."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import orjson
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from ingest import limits


class ValueRefused(ValueError):
    """A structured value over a bound; the record carrying it is rejected."""


# Kinds whose protobuf attribute is already the JSON value: read without further checks.
_PLAIN = frozenset({"string_value", "int_value", "bool_value"})


def attributes(pairs: Sequence[KeyValue], *, depth: int = 0) -> dict[str, Any]:
    """A KeyValue list as a JSON object (the last of repeated keys wins)."""
    if len(pairs) > limits.MAX_ATTRIBUTES:
        raise ValueRefused(f"attributes: at most {limits.MAX_ATTRIBUTES} per map")
    return {pair.key: value(pair.value, depth=depth) for pair in pairs}


def value(item: AnyValue, *, depth: int = 0) -> Any:
    """One AnyValue as JSON: bytes as base64; NaN and Infinity, which JSON cannot carry, refused
    as GraphQL and REST refuse them in metadata."""
    if depth > limits.MAX_VALUE_DEPTH:
        raise ValueRefused(f"attributes: nested deeper than {limits.MAX_VALUE_DEPTH} levels")
    kind = item.WhichOneof("value")
    if kind in _PLAIN:  # most attributes: one WhichOneof and one read
        return getattr(item, kind)
    if kind is None:
        return None
    if kind == "array_value":
        entries = item.array_value.values
        if len(entries) > limits.MAX_ATTRIBUTES:
            raise ValueRefused(f"attributes: at most {limits.MAX_ATTRIBUTES} array items")
        return [value(entry, depth=depth + 1) for entry in entries]
    if kind == "kvlist_value":
        return attributes(item.kvlist_value.values, depth=depth + 1)
    if kind == "bytes_value":
        return base64.b64encode(item.bytes_value).decode()
    if kind == "double_value" and not math.isfinite(item.double_value):
        raise ValueRefused(
            f"a double must not be NaN or Infinity (JSON has neither): {item.double_value}"
        )
    return getattr(item, kind)


def text(item: AnyValue) -> str:
    """A log body as message text: strings as they are, anything structured as JSON."""
    if item.WhichOneof("value") == "string_value":
        return item.string_value
    converted = value(item)
    return "" if converted is None else orjson.dumps(converted).decode()
