"""Board bench: the `/arena leaderboard` path through the service (version check, pattern read,
fit, rendering: what a user waits for) over 1,000,000 stored votes on 100 models, on SQLite and
on PostgreSQL.

    .venv/bin/python bench/board_bench.py                  # SQLite (+ PostgreSQL if ARENABOT_TEST_POSTGRES_URL is set)
    .venv/bin/python bench/board_bench.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/board_bench.py --votes 200000   # quicker

Target (issue 14): p95 <= 20 ms after a change of the counts (a reveal), <= 2 ms when nothing
changed. The peer, from the same run, is the cold board: every pattern row read and fitted from
scratch (what each board cost before warm boards, and what a first request still costs).

The votes are bulk-loaded (as bench/storage_bench.py does), with the battle patterns built from
exactly the same generated votes, 4 voters per battle; the reveals between timed reads go
through the real vote path (`Store.record_vote` with close_after_votes: on PostgreSQL the
server-side vote function), each in a scope and category the boards read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `arenabot` itself does (see arenabot/commands.py)

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage_bench import CATEGORIES, SCOPES, T0, Databases, _p95, generate, load_postgres, load_sqlite, pair_count_rows

from arenabot.app import build_core, freeze_startup_objects
from arenabot.config import settings_from_dict
from arenabot.domain import Outcome, Scope
from arenabot.features.boards.warm import WarmBoards
from arenabot.storage import NewBattle

HOME = Scope("discord", "g1")  # SCOPES[0]
BOARDS = [("this server", False, None), ("global", True, None), ("global, coding", True, "coding")]


def pattern_rows(data: dict[str, Any]) -> list[tuple]:
    """battle_patterns exactly as the reveals would leave them for these votes."""
    models = [f"model-{i:03d}" for i in range(data["n_models"])]
    k = data["votes_per_battle"]
    a, b = data["a"], data["b"]
    flip = a > b
    swap = np.array([1, 0, 2, 3])
    outcome = data["outcome"].reshape(-1, k)
    oriented = np.where(flip[:, None], swap[outcome], outcome)
    cells = np.stack([(oriented == c).sum(axis=1) for c in range(4)], axis=1)
    low, high = np.minimum(a, b), np.maximum(a, b)
    tallies: Counter[tuple] = Counter()
    for cat_filter in [None, *range(len(CATEGORIES))]:
        mask = np.ones(len(a), bool) if cat_filter is None else data["category"] == cat_filter
        cat = "" if cat_filter is None else CATEGORIES[cat_filter]
        table = np.column_stack([data["scope"][mask], low[mask], high[mask], cells[mask]])
        keys, counts = np.unique(table, axis=0, return_counts=True)
        for (s, lo, hi, *votes), n in zip(keys.tolist(), counts.tolist(), strict=True):
            for scope in (SCOPES[s], "*"):
                tallies[(scope, cat, models[lo], models[hi], *votes)] += n
    return [(*key, n, 0) for key, n in sorted(tallies.items())]


def load_patterns_sqlite(conn: Any, rows: list[tuple]) -> None:
    conn.exec_driver_sql(
        "INSERT INTO battle_patterns (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.exec_driver_sql("ANALYZE")


def load_patterns_postgres(conn: Any, rows: list[tuple]) -> None:
    from sqlalchemy.util import await_only

    raw = conn.connection.driver_connection
    columns = ["scope_key", "category", "model_a", "model_b", "wins_a", "wins_b", "ties", "both_bad", "battles", "version"]
    await_only(raw.copy_records_to_table("battle_patterns", records=rows, columns=columns))
    conn.exec_driver_sql("ANALYZE")


def figures(timings: list[float]) -> str:
    return f"p50 {statistics.median(timings) * 1000:7.2f} ms  p95 {_p95(timings) * 1000:7.2f} ms"


async def bench(url: str, n_votes: int, n_models: int, reads: int, reveals: int, cold_reads: int) -> list[str]:
    data = generate(n_votes, n_models, votes_per_battle=4)
    pairs, patterns = pair_count_rows(data), pattern_rows(data)
    settings = settings_from_dict({"database": {"url": url}, "models": []})
    lines = []
    async with build_core(settings) as service:
        store = service.store
        started = time.perf_counter()
        await store.run_write(load_postgres if store.dialect == "postgresql" else load_sqlite, data, pairs)
        await store.run_write(load_patterns_postgres if store.dialect == "postgresql" else load_patterns_sqlite, patterns)
        lines.append(
            f"bulk-loaded {n_votes:,} votes over {n_models} models ({len(patterns):,} battle-pattern rows) in {time.perf_counter() - started:.1f}s"
        )
        del data, pairs, patterns
        freeze_startup_objects()  # as `arenabot run` does once it has started
        rng = random.Random(3)
        models = [f"model-{i:03d}" for i in range(n_models)]

        async def board(global_: bool, category: str | None) -> float:
            t0 = time.perf_counter()
            reply = await service.leaderboard(HOME, category=category, global_=global_)
            elapsed = time.perf_counter() - t0
            assert len(reply.board.rows) == 20 and reply.board.votes > 0, reply.text[:200]
            return elapsed

        async def reveal(category: str | None) -> None:
            a, b = rng.sample(models, 2)
            cats = [category] if category else []
            fight = await store.create_battle(
                NewBattle(HOME.key, "discord", "c", "u", a, b, cats, "en", "p", T0, T0 + timedelta(hours=1))
            )
            for k in range(4):
                outcome = rng.choice(list(Outcome))
                await store.record_vote(fight.id, f"r{k}", outcome, event_id=None, now=T0, close_after=4)

        for what, global_, category in BOARDS:
            cold = []
            for _ in range(cold_reads):  # the peer: every row read and fitted, nothing kept
                service.boards.warm = WarmBoards(service.state)
                cold.append(await board(global_, category))
            await board(global_, category)  # kept from here on
            unchanged = [await board(global_, category) for _ in range(reads)]
            changed = []
            for _ in range(reveals):
                await reveal(category)  # a battle of this board revealed (not timed)
                changed.append(await board(global_, category))
            lines.append(f"  {what:<15} unchanged {figures(unchanged)}   (target p95 <= 2 ms)")
            lines.append(f"  {'':<15} after a reveal {figures(changed)}   (target p95 <= 20 ms)")
            lines.append(f"  {'':<15} cold (peer) {figures(cold)}")
    return lines


async def run(args: argparse.Namespace) -> int:
    databases = Databases(args.pg)
    backends = ["SQLite", "PostgreSQL"] if args.pg else ["SQLite"]
    print(f"board bench: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        for label in backends:
            url = databases.sqlite("boards") if label == "SQLite" else await databases.postgres()
            print(f"\n== {label}")
            for line in await bench(url, args.votes, args.models, args.reads, args.reveals, args.cold_reads):
                print(line, flush=True)
        print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        await databases.cleanup()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pg",
        default=os.environ.get("ARENABOT_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (a scratch database is created and dropped)",
    )
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--reads", type=int, default=200, help="timed reads of an unchanged board")
    parser.add_argument("--reveals", type=int, default=40, help="reveals, each followed by a timed read")
    parser.add_argument("--cold-reads", type=int, default=8)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
