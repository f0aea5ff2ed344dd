"""Storage: the tables, the engine, migrations and every SQL query lograph runs."""
