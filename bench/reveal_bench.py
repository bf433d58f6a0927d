"""Reveal benchmark: closing a battle moves its counted votes into the pair counts in the closing
transaction (issue 10). Target: the reveal of a battle with 20 votes costs < 5 ms on SQLite.

    .venv/bin/python bench/reveal_bench.py                  # SQLite (+ PostgreSQL if ARENABOT_TEST_POSTGRES_URL is set)
    .venv/bin/python bench/reveal_bench.py --battles 200 --votes 20 --categories 2

Each battle gets `--votes` counted votes through `Store.record_vote`, then `Store.close_battle`
is timed alone (one transaction: claim the close, read the counted outcomes, upsert the pair
counts of every category, in its scope and the global scope). Prints p50 / p95 / mean in ms.
Figures are noisy on a shared machine: rerun before trusting one.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.domain import Outcome  # noqa: E402
from arenabot.storage import NewBattle, Store  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
OUTCOMES = list(Outcome)


async def bench(url: str, battles: int, votes: int, categories: int) -> dict[str, float]:
    store = await Store.open(url)
    try:
        timings = []
        for k in range(battles):
            battle = await store.create_battle(
                NewBattle(
                    scope_key="bench:reveal", platform="bench", channel_ref="c", creator_ref="u",
                    model_a=f"m{k % 10}", model_b=f"m{(k + 1) % 10}", categories=[f"cat{c}" for c in range(categories)],
                    language="en", prompt="p", created_at=T0, closes_at=T0 + timedelta(hours=6),
                )
            )
            for v in range(votes):
                await store.record_vote(battle.id, f"voter{v}", OUTCOMES[(k + v) % 4], event_id=None, now=T0)
            started = time.perf_counter()
            assert await store.close_battle(battle.id, T0)
            timings.append((time.perf_counter() - started) * 1000)
        total = sum(p.total for p in await store.pair_counts("bench:reveal", None))
        assert total == battles * votes, (total, battles * votes)
        timings.sort()
        return {
            "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))],
            "mean_ms": statistics.fmean(timings),
        }
    finally:
        await store.close()


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as directory:
        targets = [("sqlite", f"sqlite+aiosqlite:///{directory}/reveal.db")]
        scratch = None
        if args.pg:
            import asyncpg

            scratch = f"reveal_{uuid.uuid4().hex[:8]}"
            base = args.pg.replace("postgresql+asyncpg", "postgresql")
            conn = await asyncpg.connect(base)
            await conn.execute(f"CREATE DATABASE {scratch}")
            await conn.close()
            targets.append(("postgresql", args.pg.rsplit("/", 1)[0] + "/" + scratch))
        try:
            for name, url in targets:
                figures = await bench(url, args.battles, args.votes, args.categories)
                print(
                    f"{name:10s} reveal of a battle with {args.votes} votes, {args.categories} categories:"
                    f" p50 {figures['p50_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms, mean {figures['mean_ms']:.2f} ms"
                    + ("  (target < 5 ms)" if name == "sqlite" else "")
                )
        finally:
            if scratch:
                conn = await asyncpg.connect(base)
                await conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
                await conn.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("ARENABOT_TEST_POSTGRES_URL"))
    parser.add_argument("--battles", type=int, default=200)
    parser.add_argument("--votes", type=int, default=20)
    parser.add_argument("--categories", type=int, default=2)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
