"""What tests and benchmarks share: scratch PostgreSQL databases, real app processes, and
reaching the local services."""
