"""A separate OS process that votes on shared battles; driven by test_concurrency.py.

Usage: python -m tests.storage.vote_worker URL WORKER_NO BATTLE_IDS(comma) VOTERS
Phases, each started by a line on stdin so both workers run it at once: 1. vote (every event id
shared with the other worker, plus this worker's own changes); 2. both change the same voters'
votes at the same moment; 3. try to close every battle and send a late vote. Prints one JSON line.
"""
from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone

from arenabot.domain import Outcome
from arenabot.storage import Store

OUTCOMES = list(Outcome)


def initial_outcome(battle_id: int, voter: int) -> Outcome:
    return OUTCOMES[(battle_id * 7 + voter * 3) % 4]


def changed_outcome(battle_id: int, voter: int) -> Outcome:
    return OUTCOMES[(battle_id + voter + 1) % 4]


def flipped_outcome(battle_id: int, voter: int, worker: int) -> Outcome:
    return OUTCOMES[(battle_id + voter + 2 * worker) % 4]


def flips(voter: int) -> bool:
    """Voters both workers change at once, with different event ids and different outcomes."""
    return voter % 3 == 2


def changes_vote(worker: int, voter: int) -> bool:
    """Voters whose vote this worker changes afterwards (with its own event ids)."""
    return voter % 3 == worker


async def run(url: str, worker: int, battle_ids: list[int], voters: int) -> dict[str, object]:
    store = await Store.open(url, upgrade=False)
    now = datetime.now(timezone.utc)
    effects: list[list[object]] = []  # [event_id, status] of every call
    try:
        # Start together with the other worker, so the two really contend.
        print("OPEN", flush=True)
        sys.stdin.readline()
        order = battle_ids if worker == 0 else list(reversed(battle_ids))
        for battle_id in order:
            voter_order = range(voters) if worker == 0 else reversed(range(voters))
            for voter in voter_order:
                event = f"vote-{battle_id}-{voter}"  # both workers receive this event
                result = await store.record_vote(battle_id, f"user{voter}", initial_outcome(battle_id, voter), event_id=event, now=now)
                effects.append([event, result.status])
                if changes_vote(worker, voter):
                    event = f"change-{worker}-{battle_id}-{voter}"
                    result = await store.record_vote(battle_id, f"user{voter}", changed_outcome(battle_id, voter), event_id=event, now=now)
                    effects.append([event, result.status])
        print("VOTED", flush=True)
        sys.stdin.readline()
        # Both workers change the same voters' votes in the same order at the same moment.
        for battle_id in battle_ids:
            for voter in filter(flips, range(voters)):
                event = f"flip-{worker}-{battle_id}-{voter}"
                result = await store.record_vote(battle_id, f"user{voter}", flipped_outcome(battle_id, voter, worker), event_id=event, now=now)
                effects.append([event, result.status])
        print("READY", flush=True)
        sys.stdin.readline()
        closes = {}
        for battle_id in order:
            closes[battle_id] = await store.close_battle(battle_id, now)
            event = f"late-{battle_id}"
            result = await store.record_vote(battle_id, "latecomer", Outcome.A, event_id=event, now=now)
            effects.append([event, result.status])
        return {"effects": effects, "closes": closes}
    finally:
        await store.close()


if __name__ == "__main__":
    url, worker, ids, voters = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    print(json.dumps(asyncio.run(run(url, worker, [int(i) for i in ids.split(",")], voters))), flush=True)
