"""`python -m ops.partitions create --start ISO --end ISO`: the partitions every instant of a
time range falls in, before a bulk load COPYs logs straight into `logs` (PostgreSQL; the app
creates them itself for every write it makes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta

from db.engine import make_engine
from db.migrate import upgrade_database
from db.partitions import create_partitions
from ops.startup import StartupError, database_setting
from settings import get_settings

DAY = timedelta(days=1)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.partitions", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create the partitions of a time range")
    create.add_argument("--start", type=datetime.fromisoformat, required=True)
    create.add_argument("--end", type=datetime.fromisoformat, required=True)
    return parser


def day_instants(start: datetime, end: datetime) -> list[datetime]:
    """An instant in each day of [start, end], both ends included."""
    days = int((end - start) / DAY) + 1
    return [min(start + DAY * offset, end) for offset in range(days + 1)]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    url = get_settings().database_url
    try:
        with database_setting(url):
            engine = make_engine(url)
            upgrade_database(engine)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    made = create_partitions(connection, day_instants(args.start, args.end))
                print(f"logs has {len(made)} partitions")
            engine.dispose()
    except StartupError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main()
