"""The cost of Chatbot Arena's fields: exporting them, and reading them back for a category board.

    .venv/bin/python bench/fastchat_fields_bench.py                       # 2,000 battles, 200,000-record log
    .venv/bin/python bench/fastchat_fields_bench.py --battles 500 --log-records 50000   # quicker

Prints:
- export: `Store.export_clean_battles` over N revealed battles (two judged turns, three votes
  each) on SQLite, without and with conversations, against the pair-count leaderboard read of
  the same data as a yardstick;
- reading: `battlelog.load_battles` of a JSON-lines log shaped like the public arena releases
  (nested category_tag, language, is_code, turn, conv_metadata), with and without the category
  columns `arenabot ratings --category` decodes (record_categories).
No target is set by the issue; the figures say what the fields cost.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot import battlelog  # noqa: E402
from arenabot.domain import Outcome, Side  # noqa: E402
from arenabot.storage import NewBattle, Store, TurnRecord  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
REPLY = "# Answer\n\n- first point\n- second point\n\n**In short**, it depends on the details. " * 4


async def export_figures(n_battles: int, db_dir: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{db_dir / 'bench.db'}", upgrade=True)
    rng = random.Random(0)
    models = [f"model-{k}" for k in range(12)]
    try:
        for k in range(n_battles):
            a, b = rng.sample(models, 2)
            created = T0 + timedelta(minutes=k)
            new = NewBattle(
                scope_key="discord:g1",
                platform="discord",
                channel_ref="c",
                creator_ref=f"u{k % 50}",
                model_a=a,
                model_b=b,
                categories=["english"],
                language="en",
                prompt=f"Explain topic {k} in detail",
                created_at=created,
                closes_at=created + timedelta(hours=6),
            )
            battle = await store.create_battle(new)
            for index in range(2):
                for side in Side:
                    await store.add_turn(TurnRecord(battle.id, index, side, f"Explain topic {k}, part {index}", REPLY))
            for v in range(3):
                await store.record_vote(battle.id, f"voter-{v}", rng.choice(list(Outcome)), event_id=None, now=created)
            await store.close_battle(battle.id, created + timedelta(minutes=1))
        for with_conversations in (False, True):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                records = await store.export_clean_battles(None, with_conversations)
                times.append(time.perf_counter() - started)
            size = len(json.dumps(records))
            label = "with conversations" if with_conversations else "votes only"
            print(f"export {label:18}: {len(records):,} records in {min(times) * 1000:,.0f} ms (best of 3), {size / 1e6:.1f} MB JSON")
        started = time.perf_counter()
        await store.pair_counts(None, None)
        print(f"yardstick: pair_counts read of the same data: {(time.perf_counter() - started) * 1000:,.1f} ms")
    finally:
        await store.close()


def arena_record(k: int, rng: random.Random) -> dict:
    a, b = rng.sample([f"model-{m}" for m in range(60)], 2)
    flags = ["specificity", "domain_knowledge", "complexity", "problem_solving", "creativity", "technical_accuracy", "real_world"]
    return {
        "question_id": f"q{k}",
        "model_a": a,
        "model_b": b,
        "winner": rng.choice(["model_a", "model_b", "tie", "tie (bothbad)"]),
        "judge": f"arena_user_{k % 5000}",
        "turn": rng.choice([1, 1, 1, 2]),
        "anony": True,
        "language": rng.choice(["English", "English", "Chinese", "Russian", "unknown"]),
        "tstamp": 1.7e9 + k,
        "conv_metadata": {
            "sum_user_tokens": 40,
            "sum_assistant_a_tokens": 300,
            "sum_assistant_b_tokens": 280,
            "context_a_tokens": 40,
            "context_b_tokens": 40,
            "turns": 1,
            **{f"header_count_{s}": {f"h{n}": 0 for n in range(1, 7)} for s in "ab"},
            **{f"list_count_{s}": {"ordered": 2, "unordered": 1} for s in "ab"},
            **{f"bold_count_{s}": {"**": 1, "__": 0} for s in "ab"},
        },
        "is_code": rng.random() < 0.2,
        "dedup_tag": {"high_freq": False, "sampled": True},
        "category_tag": {
            "criteria_v0.1": {f: rng.random() < 0.4 for f in flags},
            "if_v0.1": {"if": False, "score": rng.randrange(6)},
            "math_v0.1": {"math": rng.random() < 0.1},
            "creative_writing_v0.1": {"creative_writing": False, "score": "no"},
        },
    }


def reading_figures(n_records: int, tmp: Path) -> None:
    rng = random.Random(1)
    path = tmp / "arena.jsonl"
    with path.open("w") as out:
        for k in range(n_records):
            out.write(json.dumps(arena_record(k, rng)) + "\n")
    size = path.stat().st_size
    for label, categories in (("without categories", False), ("with categories", True)):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            log = battlelog.load_battles(path, categories=categories, style=False, workers=1)
            times.append(time.perf_counter() - started)
        print(f"read {label:18}: {len(log):,} records, {size / 1e6:.0f} MB in {min(times) * 1000:,.0f} ms (best of 3, one process)")
    coding = sum("coding" in c for c in log.categories)
    print(f"  (categories found: coding in {coding:,} records, english in {sum('english' in c for c in log.categories):,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=2000)
    parser.add_argument("--log-records", type=int, default=200_000)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(export_figures(args.battles, Path(tmp)))
        reading_figures(args.log_records, Path(tmp))


if __name__ == "__main__":
    main()
