"""`Database`: run one synchronous function inside one transaction, from async code.

All of the store's SQL is written once, as plain functions of a SQLAlchemy `Connection`:

- PostgreSQL: an asyncpg `AsyncEngine`; the function runs through `AsyncConnection.run_sync`, each
  statement awaiting the driver.
- SQLite: the standard sqlite3 driver in a small thread pool; the whole transaction is one hop to a
  worker thread. (aiosqlite costs several thread hops per *statement*, which capped vote ingestion
  far below the target; `sqlite+aiosqlite://` URLs are accepted and mean the same file.)

SQLite also gets WAL, foreign keys, a busy timeout, and write transactions that begin with
`BEGIN IMMEDIATE`, so two writers queue on the lock instead of both reading and then failing to
upgrade to a write lock (SQLITE_BUSY, which no busy timeout can fix).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from .records import StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_THREADS = 4
# PostgreSQL connections per process: SQLAlchemy's pool (plus as many overflow) and asyncpg's for
# the hot paths. N processes need N * (2 * POOL_SIZE + FAST_POOL_SIZE + BATCH_POOL_SIZE) under max_connections.
POOL_SIZE = 10
FAST_POOL_SIZE = 8
# Vote batches run on BATCH_POOL_SIZE more connections with a lock_timeout (AsyncDatabase.impatient_pool).
BATCH_POOL_SIZE = 4
BATCH_LOCK_TIMEOUT = "50ms"
WRITE_BATCH = 64  # most write transactions committed together (group commit)
# A pooled PostgreSQL connection idle for longer is pinged before use (see _check_on_checkout).
IDLE_PING_S = 30.0
_CHECKED_IN = "arenabot_checked_in"
_BEGIN_OPTION = "arenabot_sqlite_begin"

P = ParamSpec("P")
T = TypeVar("T")
TxFunction = Callable[Concatenate[Connection, P], T]


def parse_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
        raise StorageError(f"database URL {str(url)!r} is not valid: {exc}") from None
    if parsed.drivername in ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise StorageError(
        f"database URL driver {parsed.drivername!r} is not supported: use "
        "sqlite+aiosqlite:///path/to/arenabot.db or postgresql+asyncpg://user@host:5432/dbname"
    )


def display_url(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """Transactions for the store; `write` transactions take SQLite's write lock up front."""

    dialect: str

    async def read(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        raise NotImplementedError

    async def write(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        raise NotImplementedError

    async def quick_read(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of a small read-only statement in DB-API parameter style (a warm board's
        check for changes, on every board request)."""
        return await self.read(lambda conn: list(conn.exec_driver_sql(sql, params)))

    async def dispose(self) -> None:
        raise NotImplementedError


class AsyncDatabase(Database):
    """PostgreSQL through asyncpg.

    Most transactions run through SQLAlchemy. The hot paths (votes, battle writes, the board's
    version check) use `pool()`, asyncpg's own pool on the same database: one statement there is
    one round trip and its own transaction, where SQLAlchemy's checkout, BEGIN and COMMIT add
    three round trips and Python overhead to each."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._pool: Any = None
        self._impatient: Any = None
        self._pool_lock = asyncio.Lock()

    async def pool(self) -> Any:
        """The asyncpg pool (an `asyncpg.Pool`), opened on first use."""
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    self._pool = await self._create_pool(FAST_POOL_SIZE, {})
        return self._pool

    async def impatient_pool(self) -> Any:
        """A small asyncpg pool whose statements wait at most BATCH_LOCK_TIMEOUT for a lock
        (lock_timeout): for vote batches, which split up rather than queue behind another
        process's batch (pg_fast.record_votes)."""
        if self._impatient is None:
            async with self._pool_lock:
                if self._impatient is None:
                    self._impatient = await self._create_pool(BATCH_POOL_SIZE, {"lock_timeout": BATCH_LOCK_TIMEOUT})
        return self._impatient

    async def _create_pool(self, size: int, server_settings: dict[str, str]) -> Any:
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return await asyncpg.create_pool(
            dsn, min_size=1, max_size=size, reset=_keep_session, server_settings=server_settings or None
        )

    async def read(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.engine.connect() as conn:
            return await conn.run_sync(fn, *args, **kwargs)

    async def write(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn, *args, **kwargs)

    async def dispose(self) -> None:
        for pool in (self._pool, self._impatient):
            if pool is not None:
                await pool.close()
        await self.engine.dispose()


class ThreadedSQLite(Database):
    """SQLite through sqlite3: each transaction runs whole on a worker thread, and each worker
    keeps its own connection (checking one out of a pool per transaction cost more than a vote).

    Writes go to one dedicated thread: SQLite has a single write lock, so several writer threads
    in one process only queue on it inside SQLite's busy handler (sleeping and retrying), which
    more than doubled the cost of a write. Other processes still queue on the lock as before.
    Reads use the remaining threads (an in-memory database has one thread for everything).

    Group commit: write transactions that arrive while the writer is busy are run together, in
    arrival order, in one transaction with a savepoint each, and committed once. Each caller still
    gets its own result or exception, only after the commit (a failing one is rolled back to its
    savepoint and leaves the others alone), so each keeps its own all-or-nothing effect; one
    commit and one thread hop per batch instead of per write is what lets votes reach thousands
    per second."""

    dialect = "sqlite"

    def __init__(self, engine: Engine, threads: int):
        self.engine = engine
        self._memory = _is_memory(engine.url)
        self._loop_connection: Any = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arenabot-sqlite-write")
        self._readers = (
            ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="arenabot-sqlite-read")
            if threads > 1
            else self._writer
        )
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        # Writes waiting for the writer thread, which drains them while _draining is set.
        self._queued: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], asyncio.Future[Any]]] = []
        self._draining = False
        self._queue_lock = threading.Lock()

    def _connection(self, begin: str) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._local.conn = self.engine.connect()
            with self._lock:
                self._connections.append(conn)
        return conn.execution_options(**{_BEGIN_OPTION: begin})  # same connection, new BEGIN mode

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        conn = self._connection("DEFERRED")
        try:
            return fn(conn, *args, **kwargs)
        finally:
            conn.rollback()  # end the read transaction: an open one would hold back WAL checkpoints

    def _write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        conn = self._connection("IMMEDIATE")
        with conn.begin():
            return fn(conn, *args, **kwargs)

    def _write_batch(self, jobs: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]) -> list[tuple[bool, Any]]:
        """(True, result) or (False, exception) per job; all committed in one transaction."""
        if len(jobs) > 1:
            try:
                return self._write_together(jobs)
            except Exception:
                pass  # BEGIN, a savepoint or COMMIT failed and nothing was written: run them one by one
        outcomes: list[tuple[bool, Any]] = []
        for fn, args, kwargs in jobs:
            try:
                outcomes.append((True, self._write(fn, args, kwargs)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _write_together(self, jobs: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]) -> list[tuple[bool, Any]]:
        conn = self._connection("IMMEDIATE")
        raw = conn.connection.dbapi_connection
        assert raw is not None
        outcomes: list[tuple[bool, Any]] = []
        with conn.begin():
            for fn, args, kwargs in jobs:
                raw.execute("SAVEPOINT arenabot_write")
                try:
                    value = fn(conn, *args, **kwargs)
                except Exception as exc:
                    raw.execute("ROLLBACK TO arenabot_write")
                    outcomes.append((False, exc))
                else:
                    outcomes.append((True, value))
                raw.execute("RELEASE arenabot_write")
        return outcomes

    async def read(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, partial(self._read, fn, args, kwargs))

    async def quick_read(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Run on the calling thread, on a connection of its own: a read of a few rows takes
        microseconds, where the hop to a reader thread and back took milliseconds on a busy
        machine. In autocommit, so one statement is one snapshot and no read transaction stays
        open (WAL readers never wait for the writer). An in-memory database has one connection
        for everything: the usual path."""
        if self._memory:
            return await super().quick_read(sql, params)
        if self._loop_connection is None:
            self._loop_connection = self.engine.raw_connection()  # our connect hook: autocommit, pragmas
        return self._loop_connection.cursor().execute(sql, params).fetchall()

    async def write(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._queue_lock:
            self._queued.append((fn, args, kwargs, future))
            start, self._draining = not self._draining, True
        if start:
            self._writer.submit(self._drain)
        return await future

    def _drain(self) -> None:
        """Writer thread: run the queued writes, a batch at a time, until none are left; each
        batch's callers are woken by one callback per event loop."""
        while True:
            with self._queue_lock:
                if not self._queued:
                    self._draining = False
                    return
                jobs, self._queued = self._queued[:WRITE_BATCH], self._queued[WRITE_BATCH:]
            # A caller cancelled before its write started gets nothing written, as before.
            jobs = [job for job in jobs if not job[3].cancelled()]
            try:
                outcomes = self._write_batch([job[:3] for job in jobs])
            except BaseException as exc:  # not an error of one write (those are in outcomes)
                outcomes = [(False, exc)] * len(jobs)
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], tuple[bool, Any]]]] = {}
            for job, outcome in zip(jobs, outcomes, strict=False):
                by_loop.setdefault(job[3].get_loop(), []).append((job[3], outcome))
            for loop, settled in by_loop.items():
                try:
                    loop.call_soon_threadsafe(_settle, settled)
                except RuntimeError:
                    pass  # that event loop is closed: nobody is waiting any more

    async def dispose(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._writer.shutdown)
        await loop.run_in_executor(None, self._readers.shutdown)
        for conn in self._connections:
            conn.close()
        if self._loop_connection is not None:
            self._loop_connection.close()
        self.engine.dispose()


async def _keep_session(_connection: Any) -> None:
    """The fast paths leave no session state behind (no SET, LISTEN or advisory lock), so a
    connection goes back to the pool as it is: asyncpg's default reset is one more round trip
    per statement."""


def _settle(settled: list[tuple[asyncio.Future[Any], tuple[bool, Any]]]) -> None:
    for future, (ok, value) in settled:
        if future.done():
            continue  # the caller was cancelled while its write ran (the write stands, as before)
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _sqlite_engine(url: URL) -> Engine:
    memory = _is_memory(url)
    if not memory:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    }
    if memory:
        # One shared connection, or every checkout would see a different empty database.
        kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_size"] = SQLITE_THREADS
    engine = sqlalchemy.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the sqlite3 module's own transaction handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints, much faster
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.connection.dbapi_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]

    return engine


def open_database(url: str | URL) -> Database:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return ThreadedSQLite(_sqlite_engine(parsed), 1 if _is_memory(parsed) else SQLITE_THREADS)
    engine = create_async_engine(parsed, pool_size=POOL_SIZE, max_overflow=10)
    _check_on_checkout(engine.sync_engine)
    return AsyncDatabase(engine)


def _check_on_checkout(engine: Engine) -> None:
    """A cheaper pool_pre_ping. SQLAlchemy's ping on asyncpg is three round trips (BEGIN, `;`,
    ROLLBACK) on every checkout, which doubled the cost of a short transaction. A connection the
    server closed (a restart) is seen closed by asyncpg without a round trip; only one idle for
    IDLE_PING_S (which a firewall or pooler may have dropped silently) is pinged. Either way a bad
    one raises DisconnectionError, and the pool replaces it before the transaction begins."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")
        if time.monotonic() - record.info.get(_CHECKED_IN, time.monotonic()) > IDLE_PING_S:
            try:
                dbapi_connection.ping()
            except Exception as exc:
                raise DisconnectionError(f"ping failed: {type(exc).__name__}") from exc
