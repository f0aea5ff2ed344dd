"""Request bodies as bounded streams: inflating gzip without trusting its size, and lines."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

from ingest.errors import IngestError, bad_request, too_large

_GZIP = 31  # zlib's window bits for the gzip container
_INFLATE_STEP = 1024 * 1024  # at most this much output per inflate call: bombs stay small


def content_coding(header: str | None) -> bool:
    """True for gzip, False for none; 415 for anything else."""
    coding = (header or "identity").strip().lower()
    if coding in ("", "identity"):
        return False
    if coding in ("gzip", "x-gzip"):
        return True
    raise IngestError(415, f"unsupported Content-Encoding {coding!r}; use gzip or none")


async def decoded(
    stream: AsyncIterator[bytes], *, gzip: bool, max_bytes: int
) -> AsyncIterator[bytes]:
    """The body's bytes, inflated when gzip, refused with 413 once more than max_bytes."""
    total = 0
    inflater = _Gunzip() if gzip else None
    async for chunk in stream:
        for piece in [chunk] if inflater is None else inflater.feed(chunk):
            total += len(piece)
            if total > max_bytes:
                raise too_large(f"body larger than {max_bytes} bytes once decoded")
            if piece:
                yield piece
    if inflater is not None:
        inflater.finish()


class _Gunzip:
    """Incremental gunzip of one or more members (as `cat a.gz b.gz` makes), in bounded steps."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(_GZIP)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The output, a step at a time: the caller can stop a bomb after its first MiB."""
        try:
            while data:
                self._started = True
                if self._member.eof:
                    self._member = zlib.decompressobj(_GZIP)
                yield self._member.decompress(data, _INFLATE_STEP)
                data = self._member.unconsumed_tail or self._member.unused_data
        except zlib.error:
            raise bad_request("body is not valid gzip") from None

    def finish(self) -> None:
        if self._started and not self._member.eof:
            raise bad_request("gzip body is truncated")


async def read_whole(stream: AsyncIterator[bytes], *, gzip: bool, max_bytes: int) -> bytes:
    """A body decoded whole (protobuf and JSON documents), within max_bytes."""
    parts = [piece async for piece in decoded(stream, gzip=gzip, max_bytes=max_bytes)]
    return b"".join(parts)


async def lines(
    chunks: AsyncIterator[bytes], *, max_line_bytes: int
) -> AsyncIterator[list[bytes | None]]:
    """The lines of a stream, a list per chunk; None stands for a line over max_line_bytes,
    which is skipped without being held."""
    carry = bytearray()
    too_long = False
    async for chunk in chunks:
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            if not too_long:
                carry += chunk
                too_long = len(carry) > max_line_bytes
                if too_long:
                    carry = bytearray()
            continue
        first = None if too_long else bytes(carry + parts[0])
        done: list[bytes | None] = [
            first if first is None or len(first) <= max_line_bytes else None
        ]
        done.extend(part if len(part) <= max_line_bytes else None for part in parts[1:-1])
        last = parts[-1]
        too_long = len(last) > max_line_bytes
        carry = bytearray() if too_long else bytearray(last)
        yield done
    if carry or too_long:
        yield [None if too_long else bytes(carry)]
