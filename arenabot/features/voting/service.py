"""Votes on a ballot: record one (one per member, a new one replaces the old), withdraw it,
tell the voter the names privately, and close the battle at its vote threshold."""

from __future__ import annotations

import logging
import uuid

from arenabot import render
from arenabot.config import ArenaSettings
from arenabot.domain import Actor, Outcome, Scope
from arenabot.features.battles.service import Battles
from arenabot.features.shared import ArenaState
from arenabot.middleware import Call, MiddlewareChain
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.storage import VoteResult

log = logging.getLogger(__name__)


def final_vote_notice(result: VoteResult) -> Reply | None:
    """Told privately once per voter and battle; later attempts are stored silently. A refusal
    (the change does not count), so adapters that show only refusals show it too."""
    if result.repeat:
        return None
    return refuse(render.vote_final_text(result.battle.id, result.why == "names_seen"))


def withdrawal_reply(result: VoteResult) -> Reply | None:
    """What a voter is told after asking to withdraw (None for a replayed event)."""
    battle_id = result.battle.id
    if result.status == "final":
        return final_vote_notice(result)
    if result.status == "withdrawn":
        return Reply(f"Your vote on battle #{battle_id} is withdrawn.", private=True, vote_change=True)
    if result.status == "duplicate":
        return None
    if result.status == "late":
        return refuse(f"Battle #{battle_id} is already revealed: your vote stays as it was.")
    if result.status == "void":
        return refuse(f"Battle #{battle_id} is void: votes on it do not count.")
    return Reply(f"You have no vote on battle #{battle_id} to withdraw.", private=True)


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
        return await self._cast(platform, found[0], found[1], actor, outcome, event_id)

    async def unvote(
        self, platform: ChatPlatform, message_ref: str, actor: Actor, outcome: Outcome, event_id: str
    ) -> Reply | None:
        """A removed reaction: withdraws the vote only if it is the voter's current one."""
        if actor.is_bot:
            return None
        found = await self.state.ballot_battle(platform, message_ref)
        if found is None:
            return None
        # Removing a reaction is silent unless it withdrew the vote.
        return await self._withdraw(platform, found[0], found[1], actor, event_id, only_if=outcome, quiet=True)

    async def vote_on_battle(
        self, platform: ChatPlatform, battle_id: int, actor: Actor, outcome: Outcome | None, event_id: str
    ) -> Reply | None:
        """A ballot control that names its battle (a button): vote, change, or (outcome None)
        withdraw, under the same rules as reactions. Every click gets an answer, except a
        replayed event and a bot's (None)."""
        if actor.is_bot:
            return None
        scope_key = await self.state.battle_scope(platform, battle_id)
        if scope_key is None:
            return refuse(f"There is no battle #{battle_id} to vote on here.")
        if outcome is None:
            return await self._withdraw(platform, battle_id, scope_key, actor, event_id)
        return await self._cast(platform, battle_id, scope_key, actor, outcome, event_id)

    async def unvote_command(
        self, platform: ChatPlatform, scope: Scope, actor: Actor, battle_ref: str | None, thread_ref: str | None
    ) -> Reply:
        """`/arena unvote`: withdraw the caller's vote on the battle of this thread, or on the battle
        `battle_ref` ("#42"). The way to withdraw when the ballot shows no reaction of one's own
        (a secret ballot) or has no Withdraw button."""
        battle_id = await self._battle_for_command(platform, scope, battle_ref, thread_ref)
        if battle_id is None:
            where = f"no battle {battle_ref!r} here" if battle_ref else "this is not a battle thread"
            return refuse(f"Nothing to withdraw: {where}. Name the battle by its number, e.g. `unvote #42`.")
        # A command has no platform event id; the withdrawal is idempotent, so a fresh id is safe.
        reply = await self._withdraw(platform, battle_id, scope.key, actor, f"command:unvote:{uuid.uuid4().hex}")
        # None: the vote is final and its voter was already told why; asked again, say it again briefly.
        return reply or refuse(f"Your vote on battle #{battle_id} is final: it stays as it was and a withdrawal does not count.")

    async def _battle_for_command(
        self, platform: ChatPlatform, scope: Scope, battle_ref: str | None, thread_ref: str | None
    ) -> int | None:
        """This scope's battle named by number, else the one whose thread the command ran in."""
        battle = None
        text = (battle_ref or "").strip().removeprefix("#")
        if text.isdigit():
            battle = await self.state.store.get_battle(int(text))
        elif battle_ref:
            battle = await self.state.store.battle_by_thread(platform.name, battle_ref.strip())
        elif thread_ref:
            battle = await self.state.store.battle_by_thread(platform.name, thread_ref)
        # A member of one server cannot act on another server's battles.
        if battle is None or battle.platform != platform.name or battle.scope_key != scope.key:
            return None
        return battle.id

    async def _cast(
        self, platform: ChatPlatform, battle_id: int, scope_key: str, actor: Actor, outcome: Outcome, event_id: str
    ) -> Reply | None:
        """The vote rules every ballot shares (reactions and buttons alike)."""

        async def record() -> Reply | None:
            arena = await self.state.arena_settings(scope_key)
            # The store marks the vote final when the voter will be told the names, and closes the
            # battle in the vote's own transaction when it reaches close_after_votes.
            result = await self.state.record_vote(
                battle_id,
                actor.user_ref,
                outcome,
                event_id=event_id,
                reveals_names=arena.reveal_to_voter,
                close_after=arena.close_after_votes,
            )
            return await self._after_vote(platform, actor, outcome, result, arena)

        return await self.chain.run(Call("vote", platform, actor, scope_key, battle_id), record)

    async def _withdraw(
        self,
        platform: ChatPlatform,
        battle_id: int,
        scope_key: str,
        actor: Actor,
        event_id: str,
        only_if: Outcome | None = None,
        quiet: bool = False,
    ) -> Reply | None:
        """Withdraw the voter's vote; `quiet` answers only when a vote was actually withdrawn."""

        async def withdraw() -> Reply | None:
            result = await self.state.record_vote(battle_id, actor.user_ref, None, event_id=event_id, only_if=only_if)
            if quiet and result.status not in ("withdrawn", "final"):
                return None
            return withdrawal_reply(result)

        return await self.chain.run(Call("unvote", platform, actor, scope_key, battle_id), withdraw)

    async def _after_vote(
        self, platform: ChatPlatform, actor: Actor, outcome: Outcome, result: VoteResult, arena: ArenaSettings
    ) -> Reply | None:
        battle = result.battle
        label = render.OUTCOME_LABELS[outcome]
        # Once told the names (reveal_to_voter) the vote is final: no Withdraw control to offer.
        withdrawable = None if arena.reveal_to_voter else battle.id
        if result.status == "duplicate":
            return None
        if result.status == "final":
            return final_vote_notice(result)
        if result.status == "late":
            return refuse(f"Battle #{battle.id} is already revealed: your vote is kept but does not count.")
        if result.status == "void":
            return refuse(f"Battle #{battle.id} is void: votes on it do not count.")
        if result.status == "unchanged":
            return Reply(f"Your vote on battle #{battle.id} is already: {label}.", private=True, withdraw_battle=withdrawable)
        if result.status == "counted" and arena.reveal_to_voter and battle.anony and battle.thread_ref:
            try:
                await platform.notify(
                    actor.user_ref,
                    battle.thread_ref,
                    render.voter_reveal_text(battle.id, outcome, battle.model_a, battle.model_b),
                )
            except Exception:
                log.warning("could not tell voter %s the names of battle #%s", actor.user_ref, battle.id, exc_info=True)
        if result.closed:  # this vote reached close_after_votes and closed the battle in its transaction
            await self.battles.reveal(platform, battle)
        verb = "changed to" if result.status == "changed" else "recorded:"
        note = ""
        if not battle.anony:
            note = " Named battles count on the named leaderboard only."
        elif battle.identity_leak:
            note = " It will not count on the anonymous leaderboard (identity leak)."
        elif battle.leaked_at is not None:
            note = " It will not count: a message in the thread named a model before your vote."
        return Reply(
            f"Vote on battle #{battle.id} {verb} {label}.{note}",
            private=True,
            withdraw_battle=withdrawable,
            vote_change=result.status == "changed",
        )
