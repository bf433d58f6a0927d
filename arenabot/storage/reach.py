"""One line for a database that cannot be opened: which URL (password hidden), what failed, and
what to check, instead of the driver's traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy.engine import URL

from .engine import display_url, parse_url
from .records import StorageError

# Failures of reaching or logging in to the server (the driver's, or SQLAlchemy's wrapping of them).
CONNECT_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)
try:  # asyncpg raises its login refusals unwrapped while connecting
    import asyncpg

    CONNECT_FAILURES += (
        asyncpg.InvalidCatalogNameError,
        asyncpg.InvalidPasswordError,
        asyncpg.InvalidAuthorizationSpecificationError,
        asyncpg.CannotConnectNowError,
        asyncpg.TooManyConnectionsError,
    )
except ImportError:  # SQLite-only installs
    pass


class DatabaseUnreachable(StorageError):
    """The database server could not be reached or refused the login."""


def _root(exc: BaseException) -> BaseException:
    seen = exc
    while getattr(seen, "orig", None) is not None:  # SQLAlchemy wraps the driver's exception
        seen = seen.orig  # type: ignore[attr-defined]
    return seen


def _what_to_check(root: BaseException, url: str) -> str:
    name = type(root).__name__
    if isinstance(root, socket.gaierror):
        return (
            "that the host name is right and resolves from here (a Docker Compose service name such "
            "as `db` resolves only inside that compose network; from the host use localhost)"
        )
    if isinstance(root, ConnectionRefusedError):
        return "that the database server is running and listens on that host and port"
    if isinstance(root, TimeoutError) or "timeout" in name.lower():
        return "that the host is reachable from here (firewall, network) and the port is right"
    if "password" in name.lower() or "authorization" in name.lower() or "password" in str(root).lower():
        return "the user name and password in the URL (or ARENABOT_DATABASE_URL)"
    if "catalog" in name.lower() or "does not exist" in str(root):
        return "that the database named in the URL exists (create it, e.g. `createdb`)"
    if url.startswith("sqlite"):
        return "that the file's directory exists and is writable"
    return "that the server is running and reachable from here, and the user, password and database name"


def unreachable(url: str, exc: BaseException) -> DatabaseUnreachable:
    root = _root(exc)
    what = " ".join(str(root).split()) or type(root).__name__
    return DatabaseUnreachable(
        f"cannot open the database {display_url(url)}: {type(root).__name__}: {what}; check {_what_to_check(root, url)}"
    )


def _sqlite_file_missing(url: URL) -> bool:
    database = url.database
    if not url.drivername.startswith("sqlite") or not database or database == ":memory:":
        return False
    return not Path(database).exists()


async def check_database(url: str) -> str:
    """Connect and read the schema revision, changing nothing. Returns a line on success; raises
    DatabaseUnreachable (or StorageError for a bad URL) otherwise."""
    from .engine import open_database
    from .migrate import current_revision, describe

    if _sqlite_file_missing(parse_url(url)):  # connecting would create it (and its folder)
        return f"database {display_url(url)}: not created yet (the first `arenabot run` creates it)"
    database = open_database(url)
    try:
        revision = await current_revision(database)
    except CONNECT_FAILURES as exc:
        raise unreachable(url, exc) from exc
    finally:
        await database.dispose()
    return f"database {display_url(url)}: reachable, schema {describe(revision) if revision else 'not created yet'}"


async def models_added_in_chat(url: str) -> list[str] | None:
    """Names moderators added in chat; None when the database has no current schema to read."""
    from .store import Store

    if _sqlite_file_missing(parse_url(url)):
        return None
    try:
        store = await Store.open(url, upgrade=False)
    except StorageError:
        return None
    try:
        return [m.name for m in await store.list_models() if m.source == "chat"]
    finally:
        await store.close()
