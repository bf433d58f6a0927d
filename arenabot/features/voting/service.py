"""Votes on a ballot: record one (one per member, a new one replaces the old), withdraw it,
tell the voter the names privately, and close the battle at its vote threshold."""

from __future__ import annotations

import logging

from arenabot import render
from arenabot.domain import Actor, Outcome
from arenabot.features.battles.service import Battles
from arenabot.features.shared import ArenaState
from arenabot.middleware import Call, MiddlewareChain
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.storage import VoteResult

log = logging.getLogger(__name__)


class Voting:
    def __init__(self, state: ArenaState, chain: MiddlewareChain, battles: Battles):
        self.state = state
        self.chain = chain
        self.battles = battles

    async def vote(self, platform: ChatPlatform, message_ref: str, actor: Actor, outcome: Outcome, event_id: str) -> Reply | None:
        """A reaction on a ballot. None when it is not a ballot, the voter is a bot, or the event is a replay."""
        if actor.is_bot:
            return None
        found = await self.state.ballot_battle(platform, message_ref)
        if found is None:
            return None
        battle_id, scope_key = found

        async def record() -> Reply | None:
            result = await self.state.record_vote(battle_id, actor.user_ref, outcome, event_id=event_id)
            return await self._after_vote(platform, actor, outcome, result)

        return await self.chain.run(Call("vote", platform, actor, scope_key, battle_id), record)

    async def unvote(
        self, platform: ChatPlatform, message_ref: str, actor: Actor, outcome: Outcome, event_id: str
    ) -> Reply | None:
        """A removed reaction: withdraws the vote only if it is the voter's current one."""
        if actor.is_bot:
            return None
        found = await self.state.ballot_battle(platform, message_ref)
        if found is None:
            return None
        battle_id, scope_key = found

        async def withdraw() -> Reply | None:
            result = await self.state.record_vote(battle_id, actor.user_ref, None, event_id=event_id, only_if=outcome)
            if result.status == "withdrawn":
                return Reply(f"Your vote on battle #{battle_id} is withdrawn.", private=True)
            return None

        return await self.chain.run(Call("unvote", platform, actor, scope_key, battle_id), withdraw)

    async def _after_vote(self, platform: ChatPlatform, actor: Actor, outcome: Outcome, result: VoteResult) -> Reply | None:
        battle = result.battle
        label = render.OUTCOME_LABELS[outcome]
        if result.status == "duplicate":
            return None
        if result.status == "late":
            return refuse(f"Battle #{battle.id} is already revealed: your vote is kept but does not count.")
        if result.status == "void":
            return refuse(f"Battle #{battle.id} is void: votes on it do not count.")
        if result.status == "unchanged":
            return Reply(f"Your vote on battle #{battle.id} is already: {label}.", private=True)
        arena = await self.state.arena_settings(battle.scope_key)
        if result.status == "counted" and arena.reveal_to_voter and battle.thread_ref:
            try:
                await platform.notify(
                    actor.user_ref,
                    battle.thread_ref,
                    render.voter_reveal_text(battle.id, outcome, battle.model_a, battle.model_b),
                )
            except Exception:
                log.warning("could not tell voter %s the names of battle #%s", actor.user_ref, battle.id, exc_info=True)
        if arena.close_after_votes and battle.counted_votes >= arena.close_after_votes:
            await self.battles.close_and_reveal(platform, battle)
        verb = "changed to" if result.status == "changed" else "recorded:"
        note = " It will not count on the anonymous leaderboard (identity leak)." if battle.identity_leak else ""
        return Reply(f"Vote on battle #{battle.id} {verb} {label}.{note}", private=True)
