"""Loaded by schemathesis (SCHEMATHESIS_HOOKS): NDJSON bodies are sent as the raw bytes the
schema's `format: binary` makes, as for application/octet-stream."""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
