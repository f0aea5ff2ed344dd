"""Every bound the ingest paths put on hostile input, in one place (docs/ingest.md lists them)."""

from __future__ import annotations

MiB = 1024 * 1024

# OTLP and Loki bodies are decoded whole, so both the bytes on the wire and the bytes after
# decompression are capped.
MAX_WIRE_BYTES = 16 * MiB
MAX_DECODED_BYTES = 64 * MiB
MAX_RECORDS = 10_000  # per OTLP or Loki request
# Loki JSON: strings, arrays, objects and commas, counted before parsing (50 per entry).
MAX_JSON_VALUES = 500_000

# NDJSON streams: memory stays bounded whatever the size, the caps only bound the work.
NDJSON_MAX_WIRE_BYTES = 4 * 1024 * MiB
NDJSON_MAX_DECODED_BYTES = 16 * 1024 * MiB
NDJSON_MAX_LINE_BYTES = 1 * MiB
# A request stops (422) past these: a stream of them cannot succeed, yet would keep a core busy.
NDJSON_MAX_REJECTED_LINES = 10_000
NDJSON_MAX_BLANK_LINES = 100_000
NDJSON_CHUNK_LINES = 10_000  # valid lines per COPY (5,000 cost a quarter more per line)
# Atomic mode keeps every validated line until its one commit.
ATOMIC_MAX_LINES = 100_000
ATOMIC_MAX_DECODED_BYTES = 64 * MiB

# Structured values (OTLP attributes and bodies, Loki labels and structured metadata).
MAX_ATTRIBUTES = 128  # per map
MAX_VALUE_DEPTH = 8  # nested arrays and maps
MAX_REJECTIONS_LISTED = 1_000

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600
MAX_IDEMPOTENCY_KEY_LENGTH = 255
