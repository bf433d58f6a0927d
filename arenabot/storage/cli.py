"""`arenabot db upgrade` and `arenabot db current`: schema migrations from the command line."""

from __future__ import annotations

import argparse
import sys

# Defining `arenabot db` must stay instant: SQLAlchemy, alembic and pydantic load in the handlers.


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema: upgrade, current")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="migrate the database to this arenabot's schema").set_defaults(handler=_upgrade)
    actions.add_parser("current", help="show the database's schema revision and the one this arenabot needs").set_defaults(
        handler=_current
    )


def _database_url(args: argparse.Namespace) -> str:
    from arenabot.config import load_settings

    return load_settings(getattr(args, "config", None)).database.url


def _run(args: argparse.Namespace, action) -> int:
    import asyncio

    from arenabot.config import ConfigError

    from .records import StorageError

    try:
        url = _database_url(args)
        return asyncio.run(action(url))
    except ConfigError as exc:
        print(f"arenabot db: error: {exc} (`arenabot check-config` lists every problem)", file=sys.stderr)
    except StorageError as exc:
        print(f"arenabot db: error: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"arenabot db: error: cannot reach the database: {exc}", file=sys.stderr)
    return 1


async def _do_upgrade(url: str) -> int:
    from arenabot import progress

    from .engine import display_url, open_database
    from .migrate import ensure_schema

    database = open_database(url)
    try:
        with progress.busy("upgrading the database schema"):
            before, head = await ensure_schema(database, upgrade=True)
    finally:
        await database.dispose()
    if before == head:
        print(f"{display_url(url)}: already at {head}")
    else:
        print(f"{display_url(url)}: upgraded {before or 'empty database'} -> {head}")
    return 0


async def _do_current(url: str) -> int:
    from .engine import display_url, open_database
    from .migrate import current_revision, describe, head_revision

    database = open_database(url)
    try:
        current = await current_revision(database)
    finally:
        await database.dispose()
    head = head_revision()
    print(f"{display_url(url)}: database at {current or 'nothing (empty)'}, this arenabot needs {head} ({describe(current)})")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    return _run(args, _do_upgrade)


def _current(args: argparse.Namespace) -> int:
    return _run(args, _do_current)
