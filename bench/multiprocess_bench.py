"""Several arenabot processes on one database: battles and votes at once, counts checked exact.

    .venv/bin/python bench/multiprocess_bench.py [--processes 1,2,4] [--battles 150] [--shared 120] [--pg URL]

The shape of a deployment with N Discord shard processes or N Slack HTTP workers on one
PostgreSQL (docs/scaling.md). Each process runs its own core: it starts
`--battles` battles (instant fake models, a platform that costs nothing) while it votes with
buttons on `--shared` battles that exist before the run. Every vote event reaches two processes
(a replayed delivery), each battle closes at close_after_votes, and afterwards the bench checks:
every shared battle revealed exactly once with exactly close_after_votes counted votes, the pair
counts equal to the counted votes of revealed battles, one stored vote per (battle, voter), and
every started battle stored. Printed for each number of processes: aggregate throughput and
p50/p95 latency per operation, for PostgreSQL (when ARENABOT_TEST_POSTGRES_URL or --pg is set)
and SQLite in the same run; on PostgreSQL also what the server's backends were doing, sampled
from pg_stat_activity every 20 ms (a lock convoy shows as Lock waits, commits queueing on the
WAL as IO:WALSync / LWLock:WALWrite, a client too slow to send its next statement as
Client:ClientRead "idle in transaction").
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from arena_bench import InstantModel, NullPlatform, _admin  # noqa: E402

from arenabot.app import build_core  # noqa: E402
from arenabot.config import settings_from_dict  # noqa: E402
from arenabot.domain import Actor, BattleStatus, Outcome, Scope  # noqa: E402
from arenabot.providers import ProviderHub  # noqa: E402

SCOPE = Scope("bench", "space")
VOTERS = 8
CLOSE_AFTER = 5
CONCURRENCY = 6  # callers per process for each kind of operation


def settings_for(url: str):  # type: ignore[no-untyped-def]
    models = [{"name": f"model-{k:02d}", "provider": "openai", "model_id": f"m{k}"} for k in range(20)]
    arena = {"rate_limit_battles": 10**9, "reveal_to_voter": False, "close_after_votes": CLOSE_AFTER}
    return settings_from_dict({"database": {"url": url}, "models": models, "arena": arena})


class Core:
    def __init__(self, url: str):
        self.settings = settings_for(url)
        self.hub = ProviderHub(self.settings)
        self.hub.register("openai", InstantModel())

    def open(self):  # type: ignore[no-untyped-def]
        return build_core(self.settings, hub=self.hub, rng=random.Random(os.getpid()))


# ---- one worker process --------------------------------------------------------------------------


async def worker(url: str, plan: dict) -> dict:
    core = Core(url)
    platform = NullPlatform()
    latencies: dict[str, list[float]] = {"battle": [], "vote": []}
    statuses: list[str | None] = []
    async with core.open() as service:
        await service.leaderboard(SCOPE)  # warm: the first board loads numpy/scipy
        battles = asyncio.Queue()
        for k in range(plan["battles"]):
            battles.put_nowait(k)
        votes = asyncio.Queue()
        for item in plan["votes"]:
            votes.put_nowait(item)

        async def start_battles() -> None:
            while not battles.empty():
                k = battles.get_nowait()
                t0 = time.perf_counter()
                reply = await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 50}"), f"{plan['name']} prompt {k}")
                latencies["battle"].append(time.perf_counter() - t0)
                assert reply.ok, reply.text

        async def cast_votes() -> None:
            while not votes.empty():
                battle_id, voter, outcome = votes.get_nowait()
                t0 = time.perf_counter()
                # The same interaction id in every process it reaches: a replayed delivery.
                reply = await service.vote_on_battle(
                    platform, battle_id, Actor(voter), Outcome(outcome), f"click:{battle_id}:{voter}"
                )
                latencies["vote"].append(time.perf_counter() - t0)
                statuses.append(None if reply is None else reply.text)

        started = time.time()
        cpu = time.process_time()
        await asyncio.gather(*(start_battles() for _ in range(CONCURRENCY)), *(cast_votes() for _ in range(CONCURRENCY)))
        ended = time.time()
        cpu = time.process_time() - cpu
    await core.hub.close()
    return {"started": started, "ended": ended, "cpu": cpu, "latencies": latencies, "statuses": statuses}


# ---- the run -------------------------------------------------------------------------------------


async def prepare(url: str, shared: int) -> list[int]:
    """The battles every process votes on, started before the run."""
    core = Core(url)
    platform = NullPlatform()
    ids = []
    async with core.open() as service:
        for k in range(shared):
            reply = await service.start_battle(platform, SCOPE, "chan", Actor(f"user{k % 50}"), f"shared prompt {k}")
            assert reply.ok, reply.text
        found = await service.store.run_read(lambda c: c.exec_driver_sql("SELECT id FROM battles ORDER BY id").all())
        ids = [row[0] for row in found]
    await core.hub.close()
    return ids


async def check(url: str, shared_ids: list[int], new_battles: int, events: int) -> dict:
    core = Core(url)
    async with core.open() as service:
        store = service.store
        for battle_id in shared_ids:
            battle = await store.get_battle(battle_id)
            assert battle is not None and battle.status is BattleStatus.CLOSED, (battle_id, battle and battle.status)
            assert battle.counted_votes == CLOSE_AFTER, (battle_id, battle.counted_votes)
        counts = await store.pair_counts(SCOPE.key, None)
        assert sum(c.total for c in counts) == CLOSE_AFTER * len(shared_ids), "pair counts differ from the counted votes"
        stats = await store.stats(SCOPE.key)
        assert stats.votes == events, (stats.votes, events)  # one vote per (battle, voter), replays or not
        total = await store.run_read(lambda c: c.exec_driver_sql("SELECT count(*) FROM battles").scalar_one())
        assert total == len(shared_ids) + new_battles, (total, len(shared_ids) + new_battles)
    await core.hub.close()
    return {"counted": sum(c.total for c in counts)}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


async def sample_waits(url: str, stop: asyncio.Event) -> list[tuple[float, str]]:
    """What the run's backends wait on: (time, what) per backend per sample (pg_stat_activity)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    waits: list[tuple[float, str]] = []
    try:
        while not stop.is_set():
            rows = await conn.fetch(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            now = time.time()
            for state, kind, event in rows:
                what = f"{kind}:{event}" if kind else "running (on CPU or waiting for it)"
                waits.append((now, what if state == "active" else f"{state} ({what})"))
            try:
                await asyncio.wait_for(stop.wait(), 0.02)
            except TimeoutError:
                pass
    finally:
        await conn.close()
    return waits


async def run(label: str, url: str, processes: int, battles: int, shared: int) -> dict:
    shared_ids = await prepare(url, shared)
    rng = random.Random(1)
    events = [(b, f"voter{v}", rng.choice(["a", "b", "tie", "both_bad"])) for b in shared_ids for v in range(VOTERS)]
    # Each event goes to two processes (a replay); every process gets its share in its own order.
    per_process: list[list] = [[] for _ in range(processes)]
    for k, event in enumerate(events):
        per_process[k % processes].append(event)
        per_process[(k + 1) % processes].append(event)
    for items in per_process:
        rng.shuffle(items)
    plans = [{"name": f"p{n}", "battles": battles, "votes": per_process[n]} for n in range(processes)]
    load = os.getloadavg()[0]
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(sample_waits(url, stop)) if label == "PostgreSQL" else None
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, json.dumps(plan)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for plan in plans
    ]
    results = []
    for child in children:
        out, err = await asyncio.get_running_loop().run_in_executor(None, child.communicate)
        if child.returncode != 0:
            raise SystemExit(f"a worker failed:\n{err.decode()}")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    stop.set()
    samples = await sampler if sampler is not None else []
    begin, end = min(r["started"] for r in results), max(r["ended"] for r in results)
    wall = end - begin
    # Only while every process runs its timed part: not one still starting up (schema check,
    # model sync) or already done.
    first_end, last_start = min(r["ended"] for r in results), max(r["started"] for r in results)
    waits = collections.Counter(what for at, what in samples if last_start <= at <= first_end)
    checked = await check(url, shared_ids, processes * battles, len(events))
    handled = sum(1 for r in results for s in r["statuses"] if s is not None)
    n_battles = processes * battles
    n_votes = sum(len(r["latencies"]["vote"]) for r in results)
    print(
        f"{label}: {processes} processes, {wall:.2f} s: {n_battles} battles = {n_battles / wall:,.0f} battles/s and "
        f"{n_votes} vote events ({len(events)} distinct, each delivered twice) = {n_votes / wall:,.0f} votes/s, at once "
        f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    figures = {"label": label, "processes": processes, "battles/s": n_battles / wall, "votes/s": n_votes / wall}
    for op in ("battle", "vote"):
        lat = [x for r in results for x in r["latencies"][op]]
        figures[f"{op} p95"] = _p(lat, 0.95)
        print(
            f"  {op:<6} p50 {statistics.median(lat) * 1000:6.1f} ms  p95 {_p(lat, 0.95):6.1f} ms  max {max(lat) * 1000:6.1f} ms"
        )
    if waits:
        total = sum(waits.values())
        shares = ", ".join(f"{what} {n / total:.0%}" for what, n in waits.most_common(5))
        print(f"  server backends busy with this run were (share of samples): {shares}")
    print(
        f"  exact: {len(shared_ids)} shared battles each revealed with {CLOSE_AFTER} counted votes, pair counts hold "
        f"{checked['counted']} votes, {len(events)} stored votes, {handled} vote replies (one per distinct event), "
        f"{len(shared_ids) + n_battles} battles stored; CPU per process {statistics.mean(r['cpu'] for r in results):.1f} s"
    )
    assert handled == len(events), f"{handled} vote replies for {len(events)} distinct events: a replay had an effect"
    return figures


async def main(args: argparse.Namespace) -> None:
    pg = args.pg or os.environ.get("ARENABOT_TEST_POSTGRES_URL")
    table = []
    for processes in args.processes:
        if pg:
            from sqlalchemy.engine import make_url

            name = f"arenabot_bench_{uuid.uuid4().hex[:10]}"
            await _admin(pg, f'CREATE DATABASE "{name}"')
            try:
                url = make_url(pg).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
                table.append(await run("PostgreSQL", url, processes, args.battles, args.shared))
            finally:
                await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with tempfile.TemporaryDirectory() as tmp:
            table.append(await run("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", processes, args.battles, args.shared))
    print(f"\nsummary (battles and votes at once; load average now {os.getloadavg()[0]:.1f}):")
    print(f"  {'database':<11} {'N':>2} {'battles/s':>10} {'battle p95':>11} {'votes/s':>8} {'vote p95':>9}")
    for f in table:
        print(
            f"  {f['label']:<11} {f['processes']:>2} {f['battles/s']:>10,.0f} {f['battle p95']:>8.0f} ms"
            f" {f['votes/s']:>8,.0f} {f['vote p95']:>6.0f} ms"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(asyncio.run(worker(sys.argv[2], json.loads(sys.argv[3])))))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 4], help="e.g. 1,2,4")
    parser.add_argument("--battles", type=int, default=150, help="battles each process starts")
    parser.add_argument("--shared", type=int, default=120, help="battles every process votes on")
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is created and dropped)")
    asyncio.run(main(parser.parse_args()))
