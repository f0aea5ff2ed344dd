"""Loki's push bodies decoded into plain streams: snappy-compressed protobuf, and JSON.

The protobuf is Loki's `logproto.PushRequest` (pkg/push/push.proto), read here field by field:
PushRequest{1: repeated StreamAdapter}; StreamAdapter{1: labels string, 2: repeated
EntryAdapter}; EntryAdapter{1: google.protobuf.Timestamp{1: seconds, 2: nanos}, 2: line,
3: repeated LabelPairAdapter{1: name, 2: value}}. Other fields are skipped, as protobuf wants.

Both decoders count as they go and refuse a push over the caps before building the rest of it:
a few MiB can encode millions of empty entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cramjam
import orjson

from ingest import limits
from ingest.errors import IngestError, bad_request, too_large


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


def too_many_entries() -> IngestError:
    """413 for a push over MAX_RECORDS entries (or streams)."""
    return too_large(f"at most {limits.MAX_RECORDS} entries per push")


def from_protobuf(data: bytes) -> list[Stream]:
    """The streams, one at a time: 413 as soon as the entries seen pass MAX_RECORDS."""
    streams: list[Stream] = []
    room = limits.MAX_RECORDS
    try:
        for number, value in _fields(data):
            if number != 1:
                continue
            if len(streams) == limits.MAX_RECORDS:
                raise too_many_entries()
            streams.append(_stream(_bytes(value), room=room))
            room -= len(streams[-1].entries)
    except (_Malformed, UnicodeDecodeError) as exc:
        raise bad_request(f"body is not a Loki PushRequest: {exc}") from None
    return streams


def _stream(data: bytes, *, room: int) -> Stream:
    labels, entries = "", list[Entry]()
    for number, value in _fields(data):
        if number == 1:
            labels = _bytes(value).decode()
        elif number == 2:
            if len(entries) == room:
                raise too_many_entries()
            entries.append(_entry(_bytes(value)))
    return Stream(parse_labels(labels), entries)


def _entry(data: bytes) -> Entry:
    nanos, line, metadata = 0, "", dict[str, str]()
    for number, value in _fields(data):
        if number == 1:
            parts = dict(_fields(_bytes(value)))
            seconds = _signed(parts.get(1, 0))
            nanos = seconds * 1_000_000_000 + _signed(parts.get(2, 0))
        elif number == 2:
            line = _bytes(value).decode()
        elif number == 3 and len(metadata) <= limits.MAX_ATTRIBUTES:  # more: rejected anyway
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
    inner, labels, position = inner[1:-1], dict[str, str](), 0
    while position < len(inner.rstrip()) and len(labels) <= limits.MAX_ATTRIBUTES:
        match = _LABEL.match(inner, position)
        if match is None:
            raise _Malformed(f'labels {text[:100]!r} are not {{name="value", ...}}')
        labels[match[1]] = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), match[2])
        position = match.end()
    return labels


# A string or one of the characters that start a value or an array or object: what orjson
# would build an object for, about.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{,]')


def _check_json_size(data: bytes) -> None:
    """413 for a document of more than MAX_JSON_VALUES strings, arrays, objects and commas,
    before orjson builds them: tens of MiB of `[]` are millions of objects. Counted outside
    strings and stopped at the cap, only when a raw count of the characters could pass it."""
    cap = limits.MAX_JSON_VALUES
    raw = sum(data.count(char) for char in (b'"', b"[", b"{", b","))
    if raw <= cap:
        return
    for count, _ in enumerate(_JSON_TOKEN.finditer(data)):
        if count == cap:
            raise too_large(f"at most {cap} JSON values per push")


def from_json(data: bytes) -> list[Stream]:
    """`{"streams": [{"stream": {labels}, "values": [[ns, line], [ns, line, {meta}]]}]}`."""
    _check_json_size(data)
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
        entries.append(Entry(int(value[0]), value[1], _texts(metadata)))
    return Stream(_texts(labels), entries)


def _texts(pairs: dict[str, Any]) -> dict[str, str]:
    """Label or metadata values as text; str() of a value nested past MAX_VALUE_DEPTH would
    recurse without end, so it is refused."""
    level = list(pairs.values())
    for _ in range(limits.MAX_VALUE_DEPTH + 1):
        level = [child for item in level for child in _children(item)]
    if level:
        depth = limits.MAX_VALUE_DEPTH
        raise _Malformed(f"labels and structured metadata: nested deeper than {depth} levels")
    return {str(key): str(value) for key, value in pairs.items()}


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else []


def _list(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, list):
        raise _Malformed(f"`{key}` must be a list")
    return value
