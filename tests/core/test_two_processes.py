"""Two and four real processes voting on the same battles: exact counts, no duplicates, one reveal each."""
from __future__ import annotations

import asyncio

import pytest
import json
import os
import sys
from pathlib import Path

from arenabot.domain import BattleStatus
from tests.core.conftest import SCOPE, battle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # these run on SQLite and PostgreSQL


async def _worker(db_url: str, plan: dict) -> dict:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.vote_worker", db_url, json.dumps(plan),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("processes", [2, 4])
@pytest.mark.parametrize("ballot", ["reactions", "buttons"])
async def test_processes_voting_on_the_same_battles(core, platform, core_db_url, ballot, processes):
    voters = [f"user{k}" for k in range(6)]
    async with core(rate_limit_battles=100, ballot=ballot) as service:
        records = []
        for k in range(4):
            _, thread, record = await battle(service, platform, f"prompt {k}")
            records.append((thread, record))
        plan = {"ballots": [platform.ballot(t) for t, _ in records], "voters": voters, "close_after_votes": 3}
        if ballot == "buttons":  # buttons name their battle: no ballot ref to look up
            plan = {"battles": [r.id for _, r in records], "voters": voters, "close_after_votes": 3}
        results = await asyncio.gather(*(_worker(core_db_url, plan) for _ in range(processes)))
        reveals = [t for r in results for t in r["reveals"]]
        # Every battle reached 3 counted votes and was revealed exactly once, by one of them.
        assert sorted(reveals) == sorted(t for t, _ in records)
        handled = [s for r in results for s in r["statuses"] if s is not None]
        # Each (ballot, voter) event had one effect in total: the other processes saw a duplicate.
        assert len(handled) == len(records) * len(voters)
        counted = 0
        for _, record in records:
            closed = await service.store.get_battle(record.id)
            assert closed.status is BattleStatus.CLOSED
            # Exactly the threshold: the vote that reaches it closes the battle in its own
            # transaction, so a vote racing it from the other process is late, never a fourth.
            assert closed.counted_votes == 3
            counted += closed.counted_votes
        counts = await service.store.pair_counts(SCOPE.key, None)
        assert sum(c.total for c in counts) == counted
        stats = await service.store.stats(SCOPE.key)
        assert stats.votes == len(records) * len(voters) and stats.counted_votes == counted
