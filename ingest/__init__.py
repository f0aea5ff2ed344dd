"""The shippers' protocols: OTLP/HTTP logs, Loki push and streaming NDJSON."""
