"""Loki's push bodies decoded into plain streams: snappy-compressed protobuf, and JSON.

The protobuf is Loki's `logproto.PushRequest` (pkg/push/push.proto), read here field by field:
PushRequest{1: repeated StreamAdapter}; StreamAdapter{1: labels string, 2: repeated
EntryAdapter}; EntryAdapter{1: google.protobuf.Timestamp{1: seconds, 2: nanos}, 2: line,
3: repeated LabelPairAdapter{1: name, 2: value}}. Other fields are skipped, as protobuf wants.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cramjam
import orjson

from ingest import limits
from ingest.errors import bad_request, too_large


@dataclass(frozen=True, slots=True)
class Entry:
    nanos: int
    line: str
    structured_metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stream:
    labels: dict[str, str]
    entries: list[Entry]


class _Malformed(ValueError):
    pass


def from_snappy_protobuf(body: bytes) -> list[Stream]:
    """What Promtail, Alloy and winston-loki send by default."""
    return from_protobuf(_unsnappy(body))


def _unsnappy(body: bytes) -> bytes:
    """Snappy's block format (what Promtail sends), its declared size checked first."""
    try:
        size = cramjam.snappy.decompress_raw_len(body)
        if size > limits.MAX_DECODED_BYTES:
            raise too_large(f"body larger than {limits.MAX_DECODED_BYTES} bytes once decoded")
        return bytes(cramjam.snappy.decompress_raw(body))
    except cramjam.DecompressionError:
        raise bad_request("body is not snappy-compressed") from None


def from_protobuf(data: bytes) -> list[Stream]:
    try:
        return [_stream(value) for number, value in _fields(data) if number == 1]
    except (_Malformed, UnicodeDecodeError) as exc:
        raise bad_request(f"body is not a Loki PushRequest: {exc}") from None


def _stream(data: bytes | int) -> Stream:
    labels, entries = "", []
    for number, value in _fields(_bytes(data)):
        if number == 1:
            labels = _bytes(value).decode()
        elif number == 2:
            entries.append(_entry(_bytes(value)))
    return Stream(parse_labels(labels), entries)


def _entry(data: bytes) -> Entry:
    nanos, line, metadata = 0, "", {}
    for number, value in _fields(data):
        if number == 1:
            parts = dict(_fields(_bytes(value)))
            seconds = _signed(parts.get(1, 0))
            nanos = seconds * 1_000_000_000 + _signed(parts.get(2, 0))
        elif number == 2:
            line = _bytes(value).decode()
        elif number == 3:
            pair = dict(_fields(_bytes(value)))
            metadata[_bytes(pair.get(1, b"")).decode()] = _bytes(pair.get(2, b"")).decode()
    return Entry(nanos, line, metadata)


def _fields(data: bytes) -> Iterator[tuple[int, bytes | int]]:
    """(field number, value) pairs: varints as ints, length-delimited fields as bytes."""
    position, end = 0, len(data)
    while position < end:
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == 2:
            size, position = _varint(data, position)
            if position + size > end:
                raise _Malformed("field runs past the end")
            yield number, data[position : position + size]
            position += size
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise _Malformed(f"unsupported wire type {wire_type}")
    if position != end:
        raise _Malformed("truncated field")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise _Malformed("bad varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


def _signed(value: bytes | int) -> int:
    number = value if isinstance(value, int) else 0
    return number - (1 << 64) if number >= 1 << 63 else number


def _bytes(value: bytes | int) -> bytes:
    if isinstance(value, int):
        raise _Malformed("expected a length-delimited field")
    return value


_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


def parse_labels(text: str) -> dict[str, str]:
    """Prometheus label syntax, `{job="api", level="error"}`."""
    inner = text.strip()
    if not (inner.startswith("{") and inner.endswith("}")):
        raise _Malformed(f'labels {text[:100]!r} are not {{name="value", ...}}')
    inner, labels, position = inner[1:-1], {}, 0
    while position < len(inner.rstrip()):
        match = _LABEL.match(inner, position)
        if match is None:
            raise _Malformed(f'labels {text[:100]!r} are not {{name="value", ...}}')
        labels[match[1]] = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), match[2])
        position = match.end()
    return labels


def from_json(data: bytes) -> list[Stream]:
    """`{"streams": [{"stream": {labels}, "values": [[ns, line], [ns, line, {meta}]]}]}`."""
    try:
        document = orjson.loads(data)
        return [_json_stream(item) for item in _list(document, "streams")]
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"body is not JSON: {exc}") from None
    except (_Malformed, ValueError, TypeError) as exc:
        raise bad_request(f"body is not a Loki push: {exc}") from None


def _json_stream(item: Any) -> Stream:
    labels = item.get("stream") if isinstance(item, dict) else None
    if not isinstance(labels, dict):
        raise _Malformed("each stream needs a `stream` object of labels")
    entries = []
    for value in _list(item, "values"):
        if not isinstance(value, list) or len(value) not in (2, 3):
            raise _Malformed("each value is [timestamp, line] or [timestamp, line, metadata]")
        metadata = value[2] if len(value) == 3 else {}
        if not isinstance(value[1], str) or not isinstance(metadata, dict):
            raise _Malformed("a line must be a string and its metadata an object")
        entries.append(Entry(int(value[0]), value[1], {k: str(v) for k, v in metadata.items()}))
    return Stream({str(k): str(v) for k, v in labels.items()}, entries)


def _list(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, list):
        raise _Malformed(f"`{key}` must be a list")
    return value
