"""Where a battle's database time goes on PostgreSQL: the round trips of each operation.

    .venv/bin/python bench/pg_roundtrips.py [--battles 50] [--concurrency 1] [--pg URL]

Runs battles (instant fake models, a platform that costs nothing), votes and reveals through the
service on a scratch PostgreSQL database and counts the messages each sends to the server, by
statement: every asyncpg call that waits for the server (a query, a prepare, a BEGIN/COMMIT,
SQLAlchemy's pre-ping) is one round trip. Printed per operation, on average. With
--concurrency above 1, battles and votes run that many at a time, so calls that arrive together
share a statement (storage/batching.py) and the figures show what batching saves.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import os
import random
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import asyncpg
from arena_bench import DEFAULT_PG, SCOPE, InstantModel, NullPlatform, _admin

from arenabot.app import build_core
from arenabot.config import settings_from_dict
from arenabot.domain import Actor, Outcome
from arenabot.providers import ProviderHub

TRIPS: collections.Counter[str] = collections.Counter()


def _label(sql: str) -> str:
    return " ".join(str(sql).split())[:90]


def _count(name: str, label_of) -> None:  # type: ignore[no-untyped-def]
    """Wrap an asyncpg coroutine method so each call counts one round trip under a label."""
    cls, attr = name.rsplit(".", 1)
    owner = {"Connection": asyncpg.connection.Connection, "PreparedStatement": asyncpg.prepared_stmt.PreparedStatement}[cls]
    original = getattr(owner, attr)

    async def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        TRIPS[label_of(self, *args)] += 1
        return await original(self, *args, **kwargs)

    setattr(owner, attr, counted)


def instrument() -> None:
    # Connection.execute without arguments is a simple query (BEGIN, COMMIT, ...); with them it
    # goes through __execute like fetch/fetchval/fetchrow. A statement not yet prepared on its
    # connection costs one more trip (counted in _get_statement when the cache misses).
    _count("Connection.execute", lambda self, sql, *a: _label(sql) if not a else "(args, counted below)")
    _count("Connection._Connection__execute", lambda self, sql, *a: _label(sql))
    _count("Connection._executemany", lambda self, sql, *a: "executemany " + _label(sql))
    _count("PreparedStatement._PreparedStatement__bind_execute", lambda self, *a: _label(self.get_query()))
    original = asyncpg.connection.Connection._get_statement

    async def get_statement(self, query, timeout, **kwargs):  # type: ignore[no-untyped-def]
        record_class = kwargs.get("record_class") or self._protocol.get_record_class()
        if (
            not kwargs.get("use_cache", True)
            or self._stmt_cache.get((query, record_class, kwargs.get("ignore_custom_codec", False))) is None
        ):
            TRIPS["(prepare) " + _label(query)] += 1
        return await original(self, query, timeout, **kwargs)

    asyncpg.connection.Connection._get_statement = get_statement  # type: ignore[method-assign]


def report(title: str, n: int) -> None:
    trips = {k: v for k, v in TRIPS.items() if k != "(args, counted below)"}
    total = sum(trips.values())
    print(f"{title}: {total / n:.1f} round trips each ({n} of them)")
    for label, count in sorted(trips.items(), key=lambda kv: -kv[1]):
        print(f"  {count / n:5.2f}  {label}")
    TRIPS.clear()


async def in_parallel(calls: list, concurrency: int) -> None:  # type: ignore[type-arg]
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def profile(url: str, battles: int, concurrency: int) -> None:
    models = [{"name": f"model-{k:02d}", "provider": "openai", "model_id": f"m{k}"} for k in range(20)]
    settings = settings_from_dict(
        {"database": {"url": url}, "models": models, "arena": {"rate_limit_battles": 10**9, "reveal_to_voter": False}}
    )
    hub = ProviderHub(settings)
    hub.register("openai", InstantModel())
    platform = NullPlatform()
    async with build_core(settings, hub=hub, rng=random.Random(1)) as service:
        # Warm: connections open, statements prepared, settings, registry and the 10 members
        # cached (a member's first call in a process costs one more transaction: first_seen).
        for k in range(10):
            await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 10}"), f"warm {k}")
        TRIPS.clear()
        ids: list[int] = []

        async def start(k: int) -> None:
            reply = await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 10}"), f"prompt number {k}")
            assert reply.ok, reply.text
            ids.append(int(reply.text.split("#")[1].split()[0]))

        await in_parallel([functools.partial(start, k) for k in range(battles)], concurrency)
        report("start a battle (first turn, ballot)", battles)
        outcomes = list(Outcome)
        casts = [
            functools.partial(
                service.vote_on_battle, platform, battle_id, Actor(f"voter{v}"), outcomes[(n + v) % 4], f"ev-{n}-{v}"
            )
            for n, battle_id in enumerate(ids)
            for v in range(3)
        ]
        await in_parallel(casts, concurrency)
        report("vote (a button click)", 3 * battles)
        moderator = Actor("moderator", is_moderator=True)
        for battle_id in ids:
            assert (await service.close_battle(platform, moderator, f"#{battle_id}")).ok
        report("close and reveal a battle with 3 votes (moderator command)", battles)
    await hub.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--battles", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--pg", default=os.environ.get("ARENABOT_TEST_POSTGRES_URL") or DEFAULT_PG)
    args = parser.parse_args()
    from sqlalchemy.engine import make_url

    instrument()
    name = f"arenabot_bench_{uuid.uuid4().hex[:10]}"
    await _admin(args.pg, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(args.pg).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
        await profile(url, args.battles, args.concurrency)
    finally:
        TRIPS.clear()
        await _admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
