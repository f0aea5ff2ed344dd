"""Benchmarks against a real PostgreSQL: each module runs as `python -m bench.NAME`."""
