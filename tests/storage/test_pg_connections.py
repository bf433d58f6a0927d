"""PostgreSQL connections the server closed or left idle are replaced before use, without
SQLAlchemy's pre-ping on every checkout (engine._check_on_checkout)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from arenabot.storage import Store, engine


async def _terminate_others(url: str) -> int:
    """What a server restart does to a process's pooled connections."""
    u = make_url(url)
    admin = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database="postgres")
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            u.database,
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the event loop reads each socket's end
    return len(rows)


async def test_connections_the_server_closed_are_replaced(pg_url: str) -> None:
    store = await Store.open(pg_url)
    try:
        await store.set_setting("g:1", "sampling", "uniform")
        battle = await store.count_recent_battles("g:1", "u", datetime(2020, 1, 1, tzinfo=timezone.utc))
        assert battle == 0
        assert await _terminate_others(pg_url) >= 2  # SQLAlchemy's and asyncpg's pools both had one
        # Each pool hands out a fresh connection instead of failing the next caller.
        assert await store.get_settings("g:1") == {"sampling": "uniform"}
        await store.set_setting("g:1", "sampling", "active")
        assert await store.get_settings("g:1") == {"sampling": "active"}
        assert await store.count_recent_battles("g:1", "u", datetime(2020, 1, 1, tzinfo=timezone.utc)) == 0
    finally:
        await store.close()


async def test_an_idle_connection_is_pinged_and_only_then(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pings = 0
    original = asyncpg.connection.Connection.fetchrow

    async def counting(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal pings
        pings += query == ";"  # SQLAlchemy's ping statement
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "fetchrow", counting)
    store = await Store.open(pg_url)
    try:
        for _ in range(5):
            await store.get_settings("g:1")
        assert pings == 0, "a busy connection is not pinged"
        monkeypatch.setattr(engine, "IDLE_PING_S", 0.0)
        await asyncio.sleep(0.01)
        assert await store.get_settings("g:1") == {}
        assert pings == 1
    finally:
        await store.close()


async def test_a_vote_batch_does_not_queue_behind_a_lock_on_one_of_its_battles(pg_url: str) -> None:
    """Another process's transaction holds battle X (as a vote batch there does until its commit):
    a batch here with votes on X and Y splits by battle, so Y's votes are written without waiting
    for X, and X's follow once the lock is gone, each exactly once."""
    from arenabot.domain import Outcome

    from .factories import T0, battle

    store = await Store.open(pg_url)
    u = make_url(pg_url)
    other = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    try:
        x, y = await battle(store, "alpha", "beta"), await battle(store, "gamma", "delta")
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT id FROM battles WHERE id = $1 FOR UPDATE", x.id)

        def vote(battle_id: int, voter: str) -> asyncio.Future:  # type: ignore[type-arg]
            return asyncio.ensure_future(
                store.record_vote(battle_id, voter, Outcome.A, event_id=f"{battle_id}:{voter}", now=T0 + timedelta(minutes=1))
            )

        on_x = [vote(x.id, f"v{k}") for k in range(3)]
        on_y = [vote(y.id, f"v{k}") for k in range(3)]
        done = await asyncio.wait_for(asyncio.gather(*on_y), timeout=60)  # while X is still locked
        assert [r.status for r in done] == ["counted"] * 3
        assert not any(f.done() for f in on_x)
        await holding.rollback()
        assert [r.status for r in await asyncio.wait_for(asyncio.gather(*on_x), timeout=60)] == ["counted"] * 3
        assert await store.counted_votes(x.id) == 3 and await store.counted_votes(y.id) == 3
    finally:
        await other.close()
        await store.close()
