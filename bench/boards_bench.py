"""Warm boards over 1,000,000 stored votes and 100 models, on SQLite and PostgreSQL.

    .venv/bin/python bench/boards_bench.py                      # SQLite (+ PostgreSQL if ARENABOT_TEST_POSTGRES_URL is set)
    .venv/bin/python bench/boards_bench.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/boards_bench.py --big-votes 200000    # quicker

Targets (issue 14): an interactive board p95 <= 20 ms after a change of the counts and <= 2 ms
when nothing changed. Timed: `LeaderboardCache.warm_board`, what the leaderboard command calls
(the version check, the changed rows, the fit). A change is a battle revealed by a second Store
on the same database (as another process would), with three votes, between two reads. For
reference, the cold path (every pair row read, a fit from scratch) is timed too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `arenabot` itself does

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage_bench import T0, Databases, _p95, generate, load_postgres, load_sqlite, pair_count_rows  # noqa: E402

from arenabot.app import freeze_startup_objects  # noqa: E402
from arenabot.domain import Outcome  # noqa: E402
from arenabot.leaderboard import LeaderboardCache, compute_board  # noqa: E402
from arenabot.storage import NewBattle, Store  # noqa: E402

BOARDS = [("discord:g1", None), (None, None), (None, "coding")]


async def reveal_one(other: Store, k: int, n_models: int) -> None:
    """A battle with three counted votes, revealed: what changes the counts in a live arena."""
    a, b = f"model-{k % n_models:03d}", f"model-{(k * 7 + 1) % n_models:03d}"
    if a == b:
        b = f"model-{(k + 1) % n_models:03d}"
    battle = await other.create_battle(
        NewBattle("discord:g1", "discord", "c", "creator", a, b, ["coding"], "en", "p", T0, T0 + timedelta(hours=1))
    )
    for v, outcome in enumerate((Outcome.A, Outcome.B, Outcome.TIE)):
        await other.record_vote(battle.id, f"bench-voter{v}", outcome, event_id=None, now=T0)
    assert await other.close_battle(battle.id, T0)


async def bench(url: str, n_votes: int, n_models: int, reads: int) -> None:
    data = generate(n_votes, n_models, votes_per_battle=4)
    pairs = pair_count_rows(data)
    store = await Store.open(url)
    other = await Store.open(url)  # "another process": its reveals reach this one's boards
    await store.run_write(load_postgres if store.dialect == "postgresql" else load_sqlite, data, pairs)
    del data, pairs
    freeze_startup_objects()
    boards = LeaderboardCache()
    for scope, category in BOARDS:  # the first read of each board loads it whole
        started = time.perf_counter()
        board = await boards.warm_board(store, scope, category, title="", top=n_models)
        first = (time.perf_counter() - started) * 1000
        assert len(board.rows) == n_models, len(board.rows)
        print(f"  first read (cold, all rows) scope={scope or 'global'} category={category or 'overall'}: {first:.1f} ms")
    k = 0
    for scope, category in BOARDS:
        unchanged, changed, cold = [], [], []
        for _ in range(reads):
            t0 = time.perf_counter()
            await boards.warm_board(store, scope, category, title="", top=20)
            unchanged.append(time.perf_counter() - t0)
            k += 1
            await reveal_one(other, k, n_models)
            t0 = time.perf_counter()
            after = await boards.warm_board(store, scope, category, title="", top=20)
            changed.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rows = await store.pair_counts(scope, category)
            compute_board(tuple(sorted(rows)))
            cold.append(time.perf_counter() - t0)
            assert after.votes == sum(r.total for r in rows), "the warm board missed a change"
        what = f"scope={scope or 'global'} category={category or 'overall'}"
        print(
            f"  {what:<36} unchanged p50 {statistics.median(unchanged) * 1000:5.2f} ms p95 {_p95(unchanged) * 1000:5.2f} ms (target 2)"
            f" | after a reveal p50 {statistics.median(changed) * 1000:5.1f} ms p95 {_p95(changed) * 1000:5.1f} ms (target 20)"
            f" | cold read+fit p95 {_p95(cold) * 1000:5.1f} ms"
        )
    await other.close()
    await store.close()


async def run(args: argparse.Namespace) -> None:
    databases = Databases(args.pg)
    print(
        f"boards bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, {args.big_votes:,} votes, {args.models} models"
    )
    try:
        print("== SQLite")
        await bench(databases.sqlite("boards"), args.big_votes, args.models, args.reads)
        if args.pg:
            print("== PostgreSQL")
            await bench(await databases.postgres(), args.big_votes, args.models, args.reads)
    finally:
        await databases.cleanup()
    print(f"load average now {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pg",
        default=os.environ.get("ARENABOT_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (a scratch database is created and dropped)",
    )
    parser.add_argument("--big-votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--reads", type=int, default=40)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
