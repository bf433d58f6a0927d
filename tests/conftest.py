"""Fixtures shared by every test folder.

- `sqlite_url`: a fresh SQLite file database in tmp_path.
- `pg_url`: a fresh, uniquely named PostgreSQL database per test (created through the server named
  by ARENABOT_TEST_POSTGRES_URL, dropped afterwards); skips when that variable is unset.
- `db_url`: parametrized over both, so a test runs on SQLite and on PostgreSQL.
- `store`: an open, migrated `arenabot.storage.Store` on `db_url`.
"""
from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "ARENABOT_TEST_POSTGRES_URL"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'arenabot.db'}"


def _admin_connect_args(url: str) -> dict[str, object]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database or "postgres",
    }


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(**_admin_connect_args(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    from sqlalchemy.engine import make_url

    name = f"arenabot_test_{uuid.uuid4().hex[:16]}"
    # Runs outside the test's event loop (sync fixture), so a private loop is fine.
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[object]:
    from arenabot.storage import Store

    opened = await Store.open(db_url)
    try:
        yield opened
    finally:
        await opened.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse-order", action="store_true",
        help="run the tests in reverse order (with -p no:randomly), to shake out order dependence",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-order"):
        items.reverse()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    # pytest-randomly prints its seed in the header, which -q hides; say it again at the end.
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.has_plugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"tests ran in random order; replay this order with --randomly-seed={seed}")
