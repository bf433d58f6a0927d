"""Arena core throughput: battles orchestrated per second with instant fake models, votes through
the service, and the interactive leaderboard's latency.

    python bench/arena_bench.py [--battles 1000] [--concurrency 16] [--pg]

SQLite always (a fresh file in a temp dir); PostgreSQL too when ARENABOT_TEST_POSTGRES_URL is set
or --pg is given (a fresh database is created and dropped). Target: >= 200 battles/s on SQLite.
Timed after a warm-up of `--concurrency` battles (connections opened, statements prepared). On
a PostgreSQL server on this machine it also prints the server's CPU per battle and per vote.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `arenabot` itself does (see arenabot/commands.py)

from arenabot.app import build_core  # noqa: E402
from arenabot.config import settings_from_dict  # noqa: E402
from arenabot.domain import Actor, Outcome, Scope  # noqa: E402
from arenabot.ports import ThreadRefs  # noqa: E402
from arenabot.providers import Completion, ProviderHub  # noqa: E402

SCOPE = Scope("bench", "space")
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class InstantModel:
    """Answers at once, in one streamed piece."""

    async def complete(self, model, messages, on_delta=None):
        text = f"answer to {messages[-1].content}"
        if on_delta:
            await on_delta(text)
        return Completion(text=text, finish_reason="stop")


class NullStream:
    async def update(self, text):
        pass

    async def finish(self, text):
        pass


class NullPlatform:
    """Costs nothing, so the figures are the core's and the database's."""

    name = "bench"

    def __init__(self):
        self._n = 0

    def _ref(self):
        self._n += 1
        return f"m{self._n}"

    async def open_thread(self, channel_ref, title, header):
        return ThreadRefs(self._ref(), self._ref())

    async def start_reply(self, thread_ref, label):
        return NullStream()

    async def post(self, thread_ref, text):
        return self._ref()

    async def post_ballot(self, thread_ref, ballot):
        return self._ref()

    async def open_voting(self, message_ref, ballot):
        pass

    async def edit(self, message_ref, text):
        pass

    async def notify(self, user_ref, thread_ref, text):
        pass


class ServerCPU:
    """CPU time of the PostgreSQL backends serving this database, when the server runs on this
    machine (read from /proc): the database's share of a battle, which the process's own CPU
    figure leaves out. None where it cannot be read (another host, SQLite)."""

    def __init__(self, url: str):
        self.url = url

    async def seconds(self) -> float | None:
        if not self.url.startswith("postgresql"):
            return None
        import asyncpg
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        host = u.query.get("host") or u.host or "127.0.0.1"
        conn = await asyncpg.connect(host=host, port=u.port or 5432, user=u.username, password=u.password, database=u.database)
        try:
            pids = [r[0] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
        finally:
            await conn.close()
        total, read, tick = 0.0, 0, os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile (a reset pool connection), or not on this machine
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            read += 1
        return total if read else None


def _server_share(before: float | None, after: float | None, n: int, unit: str) -> str:
    if before is None or after is None:
        return ""
    per = (after - before) / n
    return f", the database server {per * 1000:.2f} ms" if unit == "battle" else f", the database server {per * 1e6:.0f} us"


async def bench_url(label: str, url: str, battles: int, concurrency: int) -> None:
    models = [{"name": f"model-{k:02d}", "provider": "openai", "model_id": f"m{k}"} for k in range(20)]
    settings = settings_from_dict(
        {"database": {"url": url}, "models": models, "arena": {"rate_limit_battles": 10**9, "reveal_to_voter": False}}
    )
    hub = ProviderHub(settings)
    hub.register("openai", InstantModel())
    platform = NullPlatform()
    async with build_core(settings, hub=hub, rng=random.Random(1)) as service:
        ballots: list[str] = []
        original = platform.post_ballot

        async def remember(thread_ref, ballot):
            ref = await original(thread_ref, ballot)
            ballots.append(ref)
            return ref

        platform.post_ballot = remember  # type: ignore[method-assign]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for k in range(battles):
            queue.put_nowait(k)

        async def worker() -> None:
            while not queue.empty():
                k = queue.get_nowait()
                reply = await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 50}"), f"prompt number {k}")
                assert reply.ok, reply.text

        server = ServerCPU(url)
        # Warm: connections open and statements prepared on both paths.
        for k in range(concurrency):
            await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 50}"), f"warm-up {k}")
        ballots.clear()
        server_before = await server.seconds()
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_after = await server.seconds()
        print(
            f"{label}: {battles} battles in {elapsed:.2f} s = {battles / elapsed:,.0f} battles/s (concurrency {concurrency}); "
            f"this process used {cpu / battles * 1000:.2f} ms CPU per battle"
            f"{_server_share(server_before, server_after, battles, 'battle')} (load average now {os.getloadavg()[0]:.1f})"
        )

        outcomes = list(Outcome)
        votes = [(ballot, Actor(f"voter{v}"), outcomes[(i + v) % 4]) for i, ballot in enumerate(ballots) for v in range(3)]
        vote_queue: asyncio.Queue[int] = asyncio.Queue()
        for k in range(len(votes)):
            vote_queue.put_nowait(k)

        async def voter() -> None:
            while not vote_queue.empty():
                k = vote_queue.get_nowait()
                ballot, actor, outcome = votes[k]
                await service.vote(platform, ballot, actor, outcome, f"ev-{k}")

        server_before = await server.seconds()
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(voter() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_after = await server.seconds()
        print(
            f"{label}: {len(votes)} votes through the service in {elapsed:.2f} s = {len(votes) / elapsed:,.0f} votes/s "
            f"({cpu / len(votes) * 1e6:.0f} us CPU per vote{_server_share(server_before, server_after, len(votes), 'vote')})"
        )

        # Boards take a battle at its reveal (issue 10): reveal all but the first 30 battles now,
        # the rest one by one below.
        moderator = Actor("moderator", is_moderator=True)
        ids = [(await service.store.battle_by_message(platform.name, ballot)).id for ballot in ballots]  # type: ignore[union-attr]
        started = time.perf_counter()
        for battle_id in ids[30:]:
            assert (await service.close_battle(platform, moderator, f"#{battle_id}")).ok
        elapsed = time.perf_counter() - started
        print(f"{label}: {len(ids) - 30} reveals (3 votes each) through the service in {elapsed:.2f} s = {(len(ids) - 30) / elapsed:,.0f} reveals/s")

        times = []
        for k in range(30):
            # Bust the cache every other call with a reveal, to time both paths.
            if k % 2:
                await service.close_battle(platform, moderator, f"#{ids[k]}")
            t0 = time.perf_counter()
            reply = await service.leaderboard(SCOPE)
            times.append(time.perf_counter() - t0)
        assert reply.board and len(reply.board.rows) == 20
        fresh, cached = times[1::2], times[2::2]
        print(
            f"{label}: leaderboard (20 models, {reply.board.votes} votes): after a new vote median "
            f"{statistics.median(fresh) * 1000:.1f} ms, unchanged (cached ratings) median {statistics.median(cached) * 1000:.1f} ms"
        )
    await hub.close()


async def _admin(base: str, sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(base)
    conn = await asyncpg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password, database=u.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--battles", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pg", action="store_true", help=f"also PostgreSQL (default URL {DEFAULT_PG})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench_url("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args.battles, args.concurrency)
    pg = os.environ.get("ARENABOT_TEST_POSTGRES_URL") or (DEFAULT_PG if args.pg else None)
    if pg:
        from sqlalchemy.engine import make_url

        name = f"arenabot_bench_{uuid.uuid4().hex[:10]}"
        await _admin(pg, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(pg).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
            await bench_url("PostgreSQL", url, args.battles, args.concurrency)
        finally:
            await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
