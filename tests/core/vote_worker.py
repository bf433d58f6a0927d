"""One "process" of the two-process vote test: votes on the given ballots through its own core
and prints, as JSON, which battles it revealed and what each vote returned.

    python -m tests.core.vote_worker DB_URL PLAN_JSON
PLAN_JSON: {"ballots": [...], "voters": [...], "close_after_votes": N}
       or {"battles": [ids...], ...}: vote with buttons (by battle id) instead of on ballot refs
"""
from __future__ import annotations

import asyncio
import json
import sys

from arenabot.app import build_core
from arenabot.config import settings_from_dict
from arenabot.domain import Actor, Outcome
from arenabot.ports import ThreadRefs


class RecordingPlatform:
    name = "fake"

    def __init__(self) -> None:
        self.reveals: list[str] = []

    async def post(self, thread_ref: str, text: str) -> str:
        if text.startswith("**Revealed:**"):
            self.reveals.append(thread_ref)
        return "m"

    async def edit(self, message_ref: str, text: str) -> None:
        pass

    async def notify(self, user_ref: str, thread_ref: str, text: str) -> None:
        pass

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:  # not used here
        raise AssertionError("workers only vote")

    async def start_reply(self, thread_ref: str, label: str):
        raise AssertionError("workers only vote")

    async def post_ballot(self, thread_ref: str, ballot) -> str:
        raise AssertionError("workers only vote")

    async def open_voting(self, message_ref: str, ballot) -> None:
        raise AssertionError("workers only vote")


async def main(db_url: str, plan: dict) -> None:
    settings = settings_from_dict(
        {
            "database": {"url": db_url},
            "arena": {"close_after_votes": plan["close_after_votes"], "reveal_to_voter": False},
            "models": [{"name": n, "provider": "openai"} for n in ("alpha", "beta", "gamma")],
        }
    )
    platform = RecordingPlatform()
    statuses = []
    async with build_core(settings) as service:

        async def one(ballot: str, voter: str) -> None:
            # The event id is the same in both processes: a replayed delivery.
            reply = await service.vote(platform, ballot, Actor(voter), Outcome.A, f"{ballot}:{voter}")
            statuses.append(None if reply is None else reply.text)

        async def click(battle_id: int, voter: str) -> None:
            # The same click delivered to both processes (one interaction id).
            reply = await service.vote_on_battle(platform, battle_id, Actor(voter), Outcome.A, f"click:{battle_id}:{voter}")
            statuses.append(None if reply is None else reply.text)

        if "battles" in plan:
            await asyncio.gather(*(click(b, v) for b in plan["battles"] for v in plan["voters"]))
        else:
            await asyncio.gather(*(one(b, v) for b in plan["ballots"] for v in plan["voters"]))
    print(json.dumps({"reveals": platform.reveals, "statuses": statuses}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
