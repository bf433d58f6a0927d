"""Schema migrations, run in code: Alembic scripts in the project's migrations/ directory
(installed as arenabot.migrations).

No alembic.ini: `Store.open` and `arenabot db upgrade` build the configuration here, so both work
from any working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from .engine import Database
from .records import StorageError


def _migrations_dir() -> Path:
    """arenabot/migrations in an installed arenabot (pip install . puts the repository's
    migrations/ there), else migrations/ beside the arenabot package (a checkout, or an editable
    install, which runs from the checkout)."""
    package = Path(__file__).resolve().parents[1]
    for found in (package / "migrations", package.parent / "migrations"):
        if (found / "env.py").is_file():
            return found
    return package / "migrations"


MIGRATIONS_DIR = _migrations_dir()
# Serialises start-up upgrades of several processes sharing one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x61726E61  # "arna"


def alembic_config(connection: Any = None) -> Config:
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise StorageError(
            f"database migrations not found at {MIGRATIONS_DIR}; install arenabot from its source tree "
            "or reinstall it (pip install .), which installs the migrations with it"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def _current(connection: Any) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _is_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _check_and_upgrade(connection: Any, upgrade: bool) -> tuple[str | None, str]:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    config = alembic_config(connection)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    current = _current(connection)
    if current == head:
        return current, head
    if current is not None and not _is_known(script, current):
        raise StorageError(f"database schema {current} is newer than this arenabot (which knows up to {head}); upgrade arenabot")
    if not upgrade:
        raise StorageError(
            f"database schema is at {current or 'nothing (empty database)'} but this arenabot needs {head}; "
            "run `arenabot db upgrade`"
        )
    command.upgrade(config, "head")
    return current, head


async def ensure_schema(db: Database, upgrade: bool = True) -> tuple[str | None, str]:
    """Bring the schema to head (or check it is there). Returns (revision before, head)."""
    return await db.write(_check_and_upgrade, upgrade)


def describe(current: str | None) -> str:
    """How a database at revision `current` relates to this code, in words."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current == head:
        return "up to date"
    if current is not None and not _is_known(script, current):
        return "newer than this arenabot: upgrade arenabot"
    return "older than this arenabot: run `arenabot db upgrade`"


async def current_revision(db: Database) -> str | None:
    return await db.read(_current)
