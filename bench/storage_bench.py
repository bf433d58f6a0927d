"""Storage benchmark: vote ingestion rate, and the leaderboard read path over 1,000,000 stored votes.

    .venv/bin/python bench/storage_bench.py                 # SQLite (+ PostgreSQL if ARENABOT_TEST_POSTGRES_URL is set)
    .venv/bin/python bench/storage_bench.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/storage_bench.py --big-votes 200000 --ingest-votes 2000   # quicker

Targets (issue 2): >= 2,000 votes/s ingested on SQLite; leaderboard read (pair_counts + the
Bradley-Terry fit) p95 <= 100 ms with 1M votes over 100 models; peak memory reported.

The 1M votes are bulk-loaded (executemany on SQLite, COPY on PostgreSQL), with pair_counts built
from exactly the same generated votes, so the aggregate is what the vote path would have produced.
Ingestion, in contrast, goes through `Store.record_vote`, the real path.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `arenabot` itself does (see arenabot/commands.py)

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.app import freeze_startup_objects  # noqa: E402
from arenabot.domain import Outcome  # noqa: E402
from arenabot.storage import NewBattle, Store  # noqa: E402

try:
    from arenabot.ratings import rate_pairs  # noqa: E402
except ImportError:  # the ratings engine is a separate piece of work
    rate_pairs = None

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SCOPES = ["discord:g1", "discord:g2", "slack:T1"]
CATEGORIES = ["coding", "math", "creative_writing"]
OUTCOMES = ["a", "b", "tie", "both_bad"]


# ---- databases ------------------------------------------------------------------------------


class Databases:
    """Fresh throw-away databases: a SQLite file, or a uniquely named PostgreSQL database."""

    def __init__(self, pg_base: str | None):
        self.pg_base = pg_base
        self.tmp = tempfile.TemporaryDirectory(prefix="arenabot-bench-")
        self.created: list[str] = []

    def sqlite(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{Path(self.tmp.name) / name}.db"

    async def postgres(self) -> str:
        import asyncpg
        from sqlalchemy.engine import make_url

        assert self.pg_base
        base = make_url(self.pg_base)
        name = f"arenabot_bench_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username, password=base.password, database=base.database or "postgres")
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        self.created.append(name)
        return base.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)

    async def cleanup(self) -> None:
        if self.created:
            import asyncpg
            from sqlalchemy.engine import make_url

            base = make_url(self.pg_base)  # type: ignore[arg-type]
            conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username, password=base.password, database=base.database or "postgres")
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
        self.tmp.cleanup()


# ---- ingestion through the real vote path ----------------------------------------------------


async def bench_ingestion(url: str, votes: int, concurrency: int) -> dict[str, float]:
    store = await Store.open(url)
    rng = random.Random(1)
    models = [f"model-{i:02d}" for i in range(20)]
    battle_ids = []
    for i in range(max(1, votes // 5)):
        a, b = rng.sample(models, 2)
        record = await store.create_battle(
            NewBattle(rng.choice(SCOPES), "discord", "c", f"u{i}", a, b, rng.sample(CATEGORIES, rng.randint(0, 1)), "en", "p", T0, T0 + timedelta(hours=6))
        )
        battle_ids.append(record.id)
    plan = [(battle_ids[i % len(battle_ids)], f"voter{i // len(battle_ids)}", Outcome(OUTCOMES[rng.randrange(4)]), f"evt-{i}") for i in range(votes)]

    async def cast(items: list[tuple[int, str, Outcome, str]]) -> None:
        for battle_id, voter, outcome, event in items:
            await store.record_vote(battle_id, voter, outcome, event_id=event, now=T0)

    half = votes // 2
    started = time.perf_counter()
    await cast(plan[:half])
    sequential = half / (time.perf_counter() - started)
    rest = plan[half:]
    started = time.perf_counter()
    await asyncio.gather(*(cast(rest[k::concurrency]) for k in range(concurrency)))
    concurrent = len(rest) / (time.perf_counter() - started)
    # Every event replayed: each must be recognised and have no effect.
    started = time.perf_counter()
    await cast(plan[:500])
    replays = min(500, len(plan)) / (time.perf_counter() - started)
    counted = sum(p.total for p in await store.pair_counts(None, None))
    await store.close()
    assert counted == votes, f"pair counts hold {counted} votes, expected {votes}"
    return {"sequential": sequential, "concurrent": concurrent, "replays": replays}


# ---- 1M votes, bulk-loaded -------------------------------------------------------------------


def generate(n_votes: int, n_models: int, votes_per_battle: int, seed: int = 7) -> dict[str, Any]:
    """Battles between random pairs, outcomes drawn from Bradley-Terry strengths (with ties)."""
    rng = np.random.default_rng(seed)
    n_battles = n_votes // votes_per_battle
    strength = rng.normal(0, 1, n_models)
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    scope = rng.integers(0, len(SCOPES), n_battles)
    category = rng.integers(-1, len(CATEGORIES), n_battles)  # -1: no category
    battle_of_vote = np.repeat(np.arange(n_battles), votes_per_battle)
    p_a = 1 / (1 + np.exp(strength[b] - strength[a]))[battle_of_vote]
    u = rng.random(n_votes)
    tie = rng.random(n_votes) < 0.2
    outcome = np.where(tie, np.where(rng.random(n_votes) < 0.25, 3, 2), np.where(u < p_a, 0, 1))
    return {"n_battles": n_battles, "a": a, "b": b, "scope": scope, "category": category, "battle_of_vote": battle_of_vote, "outcome": outcome, "n_models": n_models, "votes_per_battle": votes_per_battle}


def pair_count_rows(data: dict[str, Any]) -> list[tuple]:
    """pair_counts exactly as the vote path would leave them for these votes."""
    models = [f"model-{i:03d}" for i in range(data["n_models"])]
    tallies: Counter[tuple] = Counter()
    bov, outcome = data["battle_of_vote"], data["outcome"]
    swap = np.array([1, 0, 2, 3])
    battle = bov
    a, b = data["a"][battle], data["b"][battle]
    flip = a > b
    low, high = np.where(flip, b, a), np.where(flip, a, b)
    oriented = np.where(flip, swap[outcome], outcome)
    scope, category = data["scope"][battle], data["category"][battle]
    # Count (scope, category, low, high, outcome) with numpy, then expand into rows.
    for cat_filter in [None, *range(len(CATEGORIES))]:
        mask = np.ones(len(bov), bool) if cat_filter is None else category == cat_filter
        key = ((scope[mask] * 1000 + low[mask]) * 1000 + high[mask]) * 4 + oriented[mask]
        keys, counts = np.unique(key, return_counts=True)
        cat = "" if cat_filter is None else CATEGORIES[cat_filter]
        for k, c in zip(keys.tolist(), counts.tolist()):
            o = k % 4
            k //= 4
            h, k = k % 1000, k // 1000
            lo, s = k % 1000, k // 1000
            tallies[(SCOPES[s], cat, models[lo], models[h], o)] += c
    rows: dict[tuple, list[int]] = {}
    for (s, cat, lo, hi, o), c in tallies.items():
        for scope in (s, "*"):  # each scope, and the global totals the store keeps as scope "*"
            rows.setdefault((scope, cat, lo, hi), [0, 0, 0, 0])[o] += c
    return [(*k, *v) for k, v in sorted(rows.items())]


def _sqlite_ts(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(conn: Any, data: dict[str, Any], pairs: list[tuple]) -> None:
    models = [f"model-{i:03d}" for i in range(data["n_models"])]
    ts = _sqlite_ts(T0)
    cats = ['[]', *[f'["{c}"]' for c in CATEGORIES]]
    conn.exec_driver_sql(
        "INSERT INTO battles (id, scope_key, platform, channel_ref, thread_ref, header_ref, creator_ref, model_a, model_b,"
        " categories, language, prompt, status, identity_leak, void_reason, turn_count, counted_votes, created_at, closes_at, closed_at)"
        " VALUES (?, ?, 'discord', 'c', NULL, NULL, 'creator', ?, ?, ?, 'en', 'p', 'closed', 0, NULL, 1, ?, ?, ?, ?)",
        [
            (i + 1, SCOPES[s], models[a], models[b], cats[c + 1], data["votes_per_battle"], ts, ts, ts)
            for i, (s, a, b, c) in enumerate(zip(data["scope"].tolist(), data["a"].tolist(), data["b"].tolist(), data["category"].tolist()))
        ],
    )
    conn.exec_driver_sql(
        "INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?)",
        [
            (battle + 1, f"v{i % data['votes_per_battle']}", OUTCOMES[o], ts, ts)
            for i, (battle, o) in enumerate(zip(data["battle_of_vote"].tolist(), data["outcome"].tolist()))
        ],
    )
    conn.exec_driver_sql(
        "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pairs
    )


def load_postgres(conn: Any, data: dict[str, Any], pairs: list[tuple]) -> None:
    from sqlalchemy.util import await_only

    raw = conn.connection.driver_connection  # the asyncpg connection: COPY is the fast way in
    models = [f"model-{i:03d}" for i in range(data["n_models"])]
    cats = ['[]', *[f'["{c}"]' for c in CATEGORIES]]
    battles = [
        (i + 1, SCOPES[s], "discord", "c", "creator", models[a], models[b], cats[c + 1], "en", "p", "closed", False, 1, data["votes_per_battle"], T0, T0, T0)
        for i, (s, a, b, c) in enumerate(zip(data["scope"].tolist(), data["a"].tolist(), data["b"].tolist(), data["category"].tolist()))
    ]
    await_only(raw.copy_records_to_table("battles", records=battles, columns=[
        "id", "scope_key", "platform", "channel_ref", "creator_ref", "model_a", "model_b", "categories", "language", "prompt",
        "status", "identity_leak", "turn_count", "counted_votes", "created_at", "closes_at", "closed_at"]))
    votes = [
        (battle + 1, f"v{i % data['votes_per_battle']}", OUTCOMES[o], True, True, T0, T0)
        for i, (battle, o) in enumerate(zip(data["battle_of_vote"].tolist(), data["outcome"].tolist()))
    ]
    await_only(raw.copy_records_to_table("votes", records=votes, columns=["battle_id", "voter_ref", "outcome", "blind", "counted", "created_at", "updated_at"]))
    await_only(raw.copy_records_to_table("pair_counts", records=pairs, columns=["scope_key", "category", "model_a", "model_b", "wins_a", "wins_b", "ties", "both_bad"]))
    conn.exec_driver_sql("SELECT setval('battles_id_seq', (SELECT max(id) FROM battles))")
    conn.exec_driver_sql("ANALYZE")


async def bench_leaderboard(url: str, n_votes: int, n_models: int, reads: int) -> dict[str, Any]:
    data = generate(n_votes, n_models, votes_per_battle=4)
    pairs = pair_count_rows(data)
    pair_rows = len(pairs)
    store = await Store.open(url)
    started = time.perf_counter()
    await store.run_write(load_postgres if store.dialect == "postgresql" else load_sqlite, data, pairs)
    load_s = time.perf_counter() - started
    stored = await store.run_read(lambda c: c.exec_driver_sql("SELECT count(*) FROM votes").scalar())
    assert stored == n_votes, stored
    # A bot process does not hold a million generated votes in memory: drop them, or every
    # garbage collection during the timed reads would walk them.
    del data, pairs
    freeze_startup_objects()  # as `arenabot run` does once it has started

    queries = [("discord:g1", None), (None, None), (None, "coding")]

    async def read(scope: str | None, category: str | None) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        rows = await store.pair_counts(scope, category)
        t1 = time.perf_counter()
        if rate_pairs is not None:
            board = rate_pairs(rows, ci="sandwich")
            assert len(board.rows) == n_models, len(board.rows)
        return t1 - t0, time.perf_counter() - t0, len(rows)

    for q in queries:  # warm caches and the compiled-statement cache
        await read(*q)
    results = {}
    for q in queries:
        timings = [await read(*q) for _ in range(reads)]
        results[q] = {
            "pairs": timings[0][2],
            "query_p50": statistics.median(t[0] for t in timings) * 1000,
            "query_p95": _p95([t[0] for t in timings]) * 1000,
            "total_p50": statistics.median(t[1] for t in timings) * 1000,
            "total_p95": _p95([t[1] for t in timings]) * 1000,
        }
    tracemalloc.start()
    await read(None, None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await store.close()
    return {"load_s": load_s, "reads": results, "peak_read_mib": peak / 2**20, "pair_rows": pair_rows}


def calibrate(directory: str) -> float:
    """Raw sqlite3 transactions/s doing a vote's amount of work (6 statements + commit, no
    SQLAlchemy, no asyncio): how fast this machine is right now, to read the figures against."""
    import sqlite3

    conn = sqlite3.connect(str(Path(directory) / "calibrate.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, n INTEGER)")
    conn.execute("CREATE TABLE e (id TEXT PRIMARY KEY)")
    started = time.perf_counter()
    for i in range(2000):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO e VALUES (?) ON CONFLICT DO NOTHING RETURNING id", (str(i),)).fetchall()
        conn.execute("SELECT * FROM t WHERE k = ?", (i % 50,)).fetchall()
        conn.execute("INSERT INTO t VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1", (i % 50,))
        conn.execute("INSERT INTO t VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1", (50 + i % 50,))
        conn.execute("UPDATE t SET n = n + 1 WHERE k = ?", (i % 50,))
        conn.execute("UPDATE t SET n = n + 1 WHERE k = ?", (50 + i % 50,))
        conn.execute("COMMIT")
    rate = 2000 / (time.perf_counter() - started)
    conn.close()
    return rate


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# ---- report ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    databases = Databases(args.pg)
    backends = ["SQLite", "PostgreSQL"] if args.pg else ["SQLite"]
    print(f"machine calibration: raw sqlite3 (no SQLAlchemy, no asyncio) does {calibrate(databases.tmp.name):,.0f} vote-sized transactions/s now")
    print(f"storage bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; fit: "
          + ("arenabot.ratings.rate_pairs (Bradley-Terry, sandwich CIs)" if rate_pairs else "NOT AVAILABLE - timing pair_counts only"))
    try:
        for label in backends:
            async def url(name: str) -> str:
                return databases.sqlite(name) if label == "SQLite" else await databases.postgres()

            print(f"\n== {label}")
            ingest = await bench_ingestion(await url("ingest"), args.ingest_votes, args.concurrency)
            print(f"votes ingested via record_vote: {ingest['sequential']:,.0f}/s one caller, "
                  f"{ingest['concurrent']:,.0f}/s with {args.concurrency} concurrent callers; "
                  f"replayed events recognised: {ingest['replays']:,.0f}/s"
                  + ("   (target >= 2,000/s)" if label == "SQLite" else ""))
            if args.big_votes:
                board = await bench_leaderboard(await url("big"), args.big_votes, args.models, args.reads)
                print(f"bulk-loaded {args.big_votes:,} votes over {args.models} models, {board['pair_rows']:,} pair_counts rows, in {board['load_s']:.1f}s")
                for (scope, category), r in board["reads"].items():
                    what = f"scope={scope or 'global'} category={category or 'overall'}"
                    print(f"  leaderboard {what:<40} pairs={r['pairs']:>5}  pair_counts p50 {r['query_p50']:6.1f} ms p95 {r['query_p95']:6.1f} ms"
                          f" | + fit: p50 {r['total_p50']:6.1f} ms p95 {r['total_p95']:6.1f} ms   (target p95 <= 100 ms)")
                print(f"  peak Python allocation during one read: {board['peak_read_mib']:.1f} MiB (tracemalloc)")
        print(f"\nprocess peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        await databases.cleanup()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("ARENABOT_TEST_POSTGRES_URL"), help="PostgreSQL server URL (a scratch database is created and dropped)")
    parser.add_argument("--ingest-votes", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--big-votes", type=int, default=1_000_000, help="0 skips the leaderboard part")
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--reads", type=int, default=40)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
