"""`python -m ops.keys create --name NAME --scope INGEST`: an API key made from the shell and
printed once, for a deployment that requires keys before any key exists to create one with."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from core.access import EVERY_SCOPE, Caller, Scope
from core.errors import UserInputError
from core.keys import KeyRing
from db.engine import Database
from db.migrate import upgrade_database
from ops.startup import StartupError, database_setting
from settings import Settings, get_settings

# How the audit line names who made the key.
SHELL = Caller("shell", EVERY_SCOPE, None, "shell")
# The command's flag for each field KeyRing.create names in its refusals.
FLAGS = {"name": "--name", "scopes": "--scope", "rateLimitPerSecond": "--rate-limit"}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.keys", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="unique, never reused")
    create.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        required=True,
        choices=[scope.value for scope in Scope],
        help="repeat for several",
    )
    create.add_argument(
        "--rate-limit", type=float, default=None, help="requests per second (default: none)"
    )
    return parser


async def create_key(
    settings: Settings, *, name: str, scopes: Sequence[Scope], rate_limit: float | None
) -> str:
    """A new key in the database settings name (migrated first, as the app would)."""
    db = Database(settings.database_url)
    try:
        with database_setting(settings.database_url):
            upgrade_database(db.engine)
        key, _ = await KeyRing.alone(db).create(
            caller=SHELL, name=name, scopes=scopes, rate_limit_per_second=rate_limit
        )
        return key
    finally:
        db.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Print the key alone on stdout (for `KEY=$(...)`), what was made on stderr."""
    args = parser().parse_args(argv)
    scopes = [Scope(scope) for scope in dict.fromkeys(args.scopes)]
    try:
        key = asyncio.run(
            create_key(get_settings(), name=args.name, scopes=scopes, rate_limit=args.rate_limit)
        )
    except UserInputError as error:
        print(
            f"lograph: invalid {FLAGS.get(error.field, error.field)}: {error.reason}",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    except StartupError as error:
        raise SystemExit(str(error)) from None
    print(key)
    names = ", ".join(scopes)
    print(
        f"lograph: created API key {args.name!r} ({names}); it is shown once: store it now",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
