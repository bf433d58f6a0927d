"""Two real OS processes vote on the same battles with the same event ids, then both try to close
them: exact counts, no duplicates, exactly one close per battle (SQLite file and PostgreSQL)."""
from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from arenabot.domain import Outcome
from arenabot.storage import PairCount, Store

from . import vote_worker as worker
from .factories import battle
from . import recount
from .recount import assert_consistent, counts_from_votes

ROOT = Path(__file__).resolve().parents[2]
BATTLES, VOTERS = 12, 8
MODELS = ["m1", "m2", "m3", "m4"]


async def _spawn(url: str, number: int, ids: list[int]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.storage.vote_worker", url, str(number), ",".join(map(str, ids)), str(VOTERS),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _expect(process: asyncio.subprocess.Process, word: bytes) -> None:
    line = await asyncio.wait_for(process.stdout.readline(), timeout=180)  # type: ignore[union-attr]
    if line.strip() != word:
        _, err = await process.communicate()
        raise AssertionError(f"worker failed before {word.decode()}: {line!r}\n{err.decode()}")


async def test_two_processes_vote_and_close_the_same_battles(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        battles = [await battle(store, MODELS[i % 4], MODELS[(i + 1 + i // 4) % 4], categories=["code"] if i % 2 else []) for i in range(BATTLES)]
        ids = [b.id for b in battles]
        processes = [await _spawn(db_url, n, ids) for n in (0, 1)]
        # Both start voting at once; only when both are done voting do they race to close.
        await asyncio.gather(*(_expect(p, b"OPEN") for p in processes))
        for p in processes:
            p.stdin.write(b"go\n")  # type: ignore[union-attr]
        await asyncio.gather(*(_expect(p, b"VOTED") for p in processes))
        for p in processes:
            p.stdin.write(b"go\n")  # type: ignore[union-attr]
        await asyncio.gather(*(_expect(p, b"READY") for p in processes))
        outputs = await asyncio.gather(*(p.communicate(b"go\n") for p in processes))
        for process, (out, err) in zip(processes, outputs):
            assert process.returncode == 0, err.decode()
        results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]

        applied: dict[str, list[str]] = defaultdict(list)
        for result in results:
            for event, status in result["effects"]:
                if status != "duplicate":
                    applied[event].append(status)
        shared = [f"vote-{b}-{v}" for b in ids for v in range(VOTERS)]
        assert all(applied[e] == ["counted"] for e in shared), "each shared vote event has exactly one effect"
        assert all(applied[f"late-{b}"] == ["late"] for b in ids)
        flip_events = [e for e in applied if e.startswith("flip-")]
        assert flip_events and all(applied[e][0] in ("changed", "unchanged") for e in flip_events)
        assert all(len(statuses) == 1 for statuses in applied.values())

        for b in ids:
            assert [r["closes"][str(b)] for r in results].count(True) == 1, f"battle {b} closed more or less than once"

        async def blind_votes() -> dict[tuple[int, str], str]:
            rows = await store.run_read(recount.rows, "SELECT battle_id, voter_ref, outcome, blind FROM votes")
            return {(r[0], r[1]): r[2] for r in rows if r[3]}

        # Voters both workers flipped at once end on one of the two flips, whichever came last.
        stored = await blind_votes()
        final = {}
        for b in battles:
            for v in range(VOTERS):
                key = (b.id, f"user{v}")
                if worker.flips(v):
                    final[key] = Outcome(stored[key])
                    assert final[key] in {worker.flipped_outcome(b.id, v, w) for w in (0, 1)}
                elif worker.changes_vote(0, v) or worker.changes_vote(1, v):
                    final[key] = worker.changed_outcome(b.id, v)
                else:
                    final[key] = worker.initial_outcome(b.id, v)
        expected = counts_from_votes(
            (b.scope_key, b.model_a, b.model_b, b.categories, final[(b.id, f"user{v}")].value) for b in battles for v in range(VOTERS)
        )
        rows = await store.run_read(recount.rows, "SELECT battle_id, voter_ref, outcome, blind FROM votes")
        assert len(rows) == len({(r[0], r[1]) for r in rows}) == BATTLES * (VOTERS + 1)
        assert {(r[0], r[1]): r[2] for r in rows if r[3]} == {k: o.value for k, o in final.items()}
        assert Counter(r[1] for r in rows if not r[3]) == Counter({"latecomer": BATTLES})

        overall = {(k[2], k[3]): v for k, v in expected.items() if k[0] == "*" and k[1] == ""}
        assert await store.pair_counts(None, None) == [PairCount(a, b, *overall[(a, b)]) for a, b in sorted(overall)]
        for b in ids:
            assert await store.counted_votes(b) == VOTERS
        await assert_consistent(store)
    finally:
        await store.close()
