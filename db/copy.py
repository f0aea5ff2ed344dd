"""PostgreSQL's bulk write of logs: ids drawn in one round trip, then the rows as one COPY."""

from __future__ import annotations

import io
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from db.levels import Level

if TYPE_CHECKING:
    from db.logs import NewLog

# One text of ascending ids: no per-row result handling on either side.
_NEXT_IDS = text(
    "SELECT string_agg(id::text, ',' ORDER BY id) FROM "
    "(SELECT nextval('logs_id_seq') AS id FROM generate_series(1, :count)) AS drawn"
)
_COPY = "COPY logs (id, timestamp, level, service, message, metadata) FROM STDIN"
_COPY_READ_BYTES = 1024 * 1024  # psycopg2 reads the buffer in pieces this large
_LEVEL_TEXT = {level: level.value for level in Level}
_NULL = "\\N"
# COPY's text format: backslash, tab, newline and carriage return must be escaped.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_SEPARATOR = "\x00"  # in no text field: validation refuses NUL, orjson writes it as \u0000


def copy_logs(connection: Connection, new_logs: Sequence[NewLog]) -> list[int]:
    """Write the logs with ids from the sequence; the ids come back in input order."""
    drawn: str = connection.execute(_NEXT_IDS, {"count": len(new_logs)}).scalar_one()
    id_texts = drawn.split(",")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(_COPY, io.BytesIO(copy_text(id_texts, new_logs)), _COPY_READ_BYTES)
    finally:
        cursor.close()
    return list(map(int, id_texts))


def copy_text(id_texts: Sequence[str], new_logs: Sequence[NewLog]) -> bytes:
    """The rows in COPY's text format, built column by column (no Python code per row)."""
    stamps = [stamp.isoformat() for stamp in map(attrgetter("timestamp"), new_logs)]
    levels = map(_LEVEL_TEXT.__getitem__, map(attrgetter("level"), new_logs))
    services = _escaped(list(map(attrgetter("service"), new_logs)))
    messages = _escaped(list(map(attrgetter("message"), new_logs)))
    # JSON text is never empty, so "" stands for NULL until the escaping is done.
    json_texts = _escaped([json or "" for json in map(attrgetter("metadata_json"), new_logs)])
    metadata = [json or _NULL for json in json_texts]
    rows = map("\t".join, zip(id_texts, stamps, levels, services, messages, metadata, strict=True))
    return ("\n".join(rows) + "\n").encode()


def _escaped(column: list[str]) -> list[str]:
    """The column's values escaped for COPY: joined, escaped in one pass each, split again."""
    joined = _SEPARATOR.join(column)
    if not any(special in joined for special, _ in _ESCAPES):
        return column
    if joined.count(_SEPARATOR) != len(column) - 1:  # a NUL got past validation: go slowly
        return [_escape(value) for value in column]
    return _escape(joined).split(_SEPARATOR)


def _escape(value: str) -> str:
    for special, escaped in _ESCAPES:
        value = value.replace(special, escaped)
    return value
