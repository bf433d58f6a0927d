"""The migrations reproduce the ORM exactly; start-up upgrades old schemas and refuses newer ones."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from arenabot.cli import main as cli_main
from arenabot.storage import PairCount, StorageError, Store
from arenabot.storage.engine import open_database
from arenabot.storage.migrate import alembic_config, current_revision, head_revision
from arenabot.storage.schema import Base

ROOT = Path(__file__).resolve().parents[2]


async def _fake_future_revision(url: str) -> None:
    database = open_database(url)
    await database.write(lambda conn: conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'")))
    await database.dispose()


def _differences(connection) -> list:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrations_match_the_orm(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        assert await store.run_read(_differences) == []
        tables = set(await store.run_read(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        assert await store.run_read(lambda c: MigrationContext.configure(c).get_current_revision()) == head_revision()
        # The comparison does see a drift: drop an index and it is reported.
        await store.run_write(lambda c: c.execute(text("DROP INDEX ix_battles_status_closes_at")))
        drift = await store.run_read(_differences)
        assert [d[0] for d in drift] == ["add_index"] and drift[0][1].name == "ix_battles_status_closes_at"
    finally:
        await store.close()


async def test_start_up_upgrades_an_empty_database_only_when_allowed(db_url: str) -> None:
    with pytest.raises(StorageError, match="arenabot db upgrade"):
        await Store.open(db_url, upgrade=False)
    store = await Store.open(db_url, upgrade=True)
    await store.close()
    again = await Store.open(db_url, upgrade=False)  # at head now: no upgrade needed
    await again.close()


async def test_start_up_upgrades_an_older_schema(db_url: str) -> None:
    """A database left at the first revision (with data in it) is brought to head on open."""
    database = open_database(db_url)
    await database.write(lambda conn: command.upgrade(alembic_config(conn), "0001"))
    await database.write(
        lambda conn: conn.execute(
            text(
                "INSERT INTO bans (scope_key, user_ref, by_ref, reason, created_at)"
                " VALUES ('discord:g', 'u1', 'mod', 'spam', CURRENT_TIMESTAMP)"
            )
        )
    )
    await database.write(
        lambda conn: conn.execute(
            text(
                "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
                " VALUES ('discord:g', '', 'alpha', 'beta', 2, 1, 0, 0), ('slack:T', '', 'alpha', 'beta', 1, 0, 1, 1)"
            )
        )
    )
    assert await current_revision(database) == "0001"
    await database.dispose()
    if head_revision() == "0001":
        pytest.skip("only one revision exists")
    store = await Store.open(db_url)
    try:
        assert await store.run_read(lambda c: MigrationContext.configure(c).get_current_revision()) == head_revision()
        assert await store.run_read(_differences) == []
        assert await store.is_banned("discord:g", "u1")  # data survives the upgrade
        # 0003 backfilled the global totals from the per-scope counts.
        assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", 3, 1, 1, 1)]
        assert await store.pair_counts("slack:T", None) == [PairCount("alpha", "beta", 1, 0, 1, 1)]
    finally:
        await store.close()


async def test_in_memory_sqlite_works() -> None:
    store = await Store.open("sqlite+aiosqlite:///:memory:")
    try:
        assert await store.ban("discord:g", "u1", "mod", "spam")
        assert await store.is_banned("discord:g", "u1")
    finally:
        await store.close()


async def test_a_newer_schema_is_refused_with_a_clear_message(db_url: str) -> None:
    await (await Store.open(db_url)).close()
    await _fake_future_revision(db_url)
    with pytest.raises(StorageError, match="database schema f00dfeed9999 is newer than this arenabot.*upgrade arenabot"):
        await Store.open(db_url)


def test_cli_upgrade_and_current(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ARENABOT_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    assert cli_main(["db", "current"]) == 0
    assert "run `arenabot db upgrade`" in capsys.readouterr().out
    assert cli_main(["db", "upgrade"]) == 0
    assert f"-> {head_revision()}" in capsys.readouterr().out
    assert cli_main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out
    asyncio.run(_fake_future_revision(sqlite_url))
    assert cli_main(["db", "upgrade"]) == 1
    assert "newer than this arenabot" in capsys.readouterr().err


def test_cli_runs_from_any_directory(tmp_path: Path) -> None:
    """The migrations are found from the package, not the working directory."""
    env = {**os.environ, "ARENABOT_DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.db'}"}
    env.pop("ARENABOT_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "arenabot", "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "elsewhere.db").is_file()


async def test_sqlite_pragmas_and_parent_directory(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'arenabot.db'}"
    store = await Store.open(url)
    try:
        pragma = lambda conn, name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert await store.run_read(pragma, "journal_mode") == "wal"
        assert await store.run_read(pragma, "foreign_keys") == 1
        assert await store.run_read(pragma, "busy_timeout") >= 1000
    finally:
        await store.close()


def test_bad_urls_get_an_actionable_error() -> None:
    with pytest.raises(StorageError, match="sqlite\\+aiosqlite:///"):
        open_database("mysql://root@localhost/arena")
