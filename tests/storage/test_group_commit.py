"""SQLite group commit (engine.ThreadedSQLite): writes queued behind a busy writer run together in
one transaction, yet each keeps its own result, exception and all-or-nothing effect."""
from __future__ import annotations

import asyncio
import threading

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from arenabot.storage import Store
from arenabot.storage.sql import settings
from tests.support.waiting import until

INSERT = text("INSERT INTO scope_settings (scope_key, key, value, updated_at) VALUES (:s, :k, :v, '2026-01-01 00:00:00.000000')")


def _keys(conn: Connection) -> list[str]:
    return sorted(k for (k,) in conn.execute(select(settings.c.key)))


async def _hold_writer(store: Store) -> tuple[asyncio.Future, threading.Event, threading.Event]:
    """Occupy the writer thread until `release` is set, so later writes queue up as one batch."""
    started, release = threading.Event(), threading.Event()

    def blocker(conn: Connection) -> str:
        started.set()
        release.wait(10)
        conn.execute(INSERT, {"s": "g", "k": "blocker", "v": "x"})
        return "blocker"

    task = asyncio.ensure_future(store.run_write(blocker))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
    return task, started, release


async def _all_queued(store: Store, count: int) -> None:
    """Wait until `count` writes sit in the writer's queue (behind the blocker)."""
    await until(lambda: len(store._db._queued) >= count, what=f"{count} queued writes")


async def test_a_failing_write_in_a_batch_leaves_the_others(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url)
    try:
        blocker, _, release = await _hold_writer(store)

        def good(conn: Connection, k: int) -> int:
            conn.execute(INSERT, {"s": "g", "k": f"good{k}", "v": "x"})
            return k * 10

        def bad(conn: Connection) -> None:
            conn.execute(INSERT, {"s": "g", "k": "bad", "v": "x"})  # written, then undone
            raise LookupError("no such thing")

        def duplicate(conn: Connection) -> None:
            conn.execute(INSERT, {"s": "g", "k": "good0", "v": "again"})  # primary key clash: a database error

        calls = [store.run_write(good, k) for k in range(3)] + [store.run_write(bad), store.run_write(duplicate)]
        calls += [store.run_write(good, k) for k in range(3, 6)]
        queued = [asyncio.ensure_future(c) for c in calls]
        await _all_queued(store, len(queued))  # all queued behind the blocker
        release.set()
        results = await asyncio.gather(*queued, return_exceptions=True)
        assert await blocker == "blocker"
        assert results[:3] == [0, 10, 20] and results[5:] == [30, 40, 50]
        assert isinstance(results[3], LookupError)
        assert results[4] is not None and not isinstance(results[4], LookupError) and isinstance(results[4], Exception)
        keys = await store.run_read(_keys)
        assert keys == sorted(["blocker"] + [f"good{k}" for k in range(6)])
        value = await store.run_read(lambda c: c.execute(select(settings.c.value).where(settings.c.key == "good0")).scalar_one())
        assert value == "x"
    finally:
        await store.close()


async def test_a_write_cancelled_while_queued_is_not_applied(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url)
    try:
        blocker, _, release = await _hold_writer(store)
        cancelled = asyncio.ensure_future(store.run_write(lambda c: c.execute(INSERT, {"s": "g", "k": "cancelled", "v": "x"})))
        kept = asyncio.ensure_future(store.run_write(lambda c: c.execute(INSERT, {"s": "g", "k": "kept", "v": "x"})))
        await _all_queued(store, 2)
        cancelled.cancel()
        release.set()
        await blocker
        await kept
        assert cancelled.cancelled()
        assert await store.run_read(_keys) == ["blocker", "kept"]
    finally:
        await store.close()


async def test_a_batch_sees_its_earlier_writes_in_order(sqlite_url: str) -> None:
    """Queued writes run in arrival order, each seeing the ones before it (as if run one by one)."""
    store = await Store.open(sqlite_url)
    try:
        blocker, _, release = await _hold_writer(store)

        def append(conn: Connection, k: int) -> int:
            seen = len(_keys(conn))
            conn.execute(INSERT, {"s": "g", "k": f"k{k:02d}", "v": str(seen)})
            return seen

        queued = [asyncio.ensure_future(store.run_write(append, k)) for k in range(20)]
        await _all_queued(store, 20)
        release.set()
        await blocker
        assert await asyncio.gather(*queued) == list(range(1, 21))
    finally:
        await store.close()
