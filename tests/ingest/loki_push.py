"""A Loki PushRequest encoded as Promtail sends it (protobuf, then snappy's block format),
written independently of the server's decoder so that each checks the other."""

from __future__ import annotations

import cramjam


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _number(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def entry(nanos: int, line: str, metadata: dict[str, str] | None = None) -> bytes:
    seconds, rest = divmod(nanos, 1_000_000_000)
    body = _field(1, _number(1, seconds) + _number(2, rest)) + _field(2, line.encode())
    for name, value in (metadata or {}).items():
        body += _field(3, _field(1, name.encode()) + _field(2, value.encode()))
    return body


def stream(labels: str, *entries: bytes) -> bytes:
    return _field(1, labels.encode()) + b"".join(_field(2, item) for item in entries)


def push_request(*streams: bytes) -> bytes:
    """The snappy-compressed PushRequest body."""
    return bytes(cramjam.snappy.compress_raw(b"".join(_field(1, item) for item in streams)))
