"""Battles: start one (sample a pair, open a thread, stream both replies, post the ballot),
follow up in its thread, close and reveal it, and sweep the expired ones."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from arenabot import render
from arenabot.anonymity import IdentityDetector
from arenabot.ballot import Ballot
from arenabot.categories import MULTI_TURN, classify, normalise_category
from arenabot.config import ArenaSettings
from arenabot.domain import Actor, BattleStatus, Message, Scope, Side
from arenabot.features.shared import ArenaState
from arenabot.generation import SideResult, generate_turn
from arenabot.middleware import Call, MiddlewareChain
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.sampling import Candidate, NotEnoughModels, sample_pair
from arenabot.scheduling import PeriodicJob
from arenabot.storage import BattleRecord, NewBattle, TurnRecord

log = logging.getLogger(__name__)

SAMPLING_BOARD_TTL_S = 30.0


def duration_text(minutes: float) -> str:
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes / 60:g} hours"
    if minutes >= 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes:g} minutes"


class Battles:
    def __init__(self, state: ArenaState, chain: MiddlewareChain):
        self.state = state
        self.chain = chain
        self._boards_for_sampling: dict[str, tuple[float, Any]] = {}
        self._generating: set[int] = set()  # battles with a turn in flight in this process
        self._inflight: set[asyncio.Task[Any]] = set()

    # ----- starting a battle -----------------------------------------------------------------

    async def start_battle(
        self, platform: ChatPlatform, scope: Scope, channel_ref: str, actor: Actor, prompt: str, *, category: str | None = None
    ) -> Reply:
        """Refuse at once (nothing stored, nothing posted) or run a whole first turn."""
        prompt = prompt.strip()
        if actor.is_bot:
            return refuse("Bots cannot start battles.")
        arena = await self.state.arena_settings(scope.key)
        if not prompt:
            return refuse("Write a prompt to start a battle, e.g. `battle Write a haiku about rain`.")
        if len(prompt) > arena.max_prompt_chars:
            return refuse(
                f"That prompt is {len(prompt)} characters long; the limit here is {arena.max_prompt_chars}. Shorten it and try again."
            )
        named: str | None = None
        if category:
            try:
                named = normalise_category(category)
            except ValueError as exc:
                return refuse(str(exc).capitalize() + ".")

        async def start() -> Reply:
            return await self._sample_and_play(platform, scope, channel_ref, actor, prompt, named, arena)

        reply = await self.chain.run(Call("start_battle", platform, actor, scope.key), start)
        assert reply is not None, "a middleware swallowed a battle start"
        return reply

    async def _sample_and_play(
        self,
        platform: ChatPlatform,
        scope: Scope,
        channel_ref: str,
        actor: Actor,
        prompt: str,
        named: str | None,
        arena: ArenaSettings,
    ) -> Reply:
        state = self.state
        models, detector = await state.registry()
        candidates = [
            Candidate(m.name, m.weight, available=state.hub.is_available(m.name)) for m in models if m.enabled and m.weight > 0
        ]
        board = await self._sampling_board(scope.key) if arena.sampling == "active" else None
        try:
            model_a, model_b = sample_pair(candidates, state.rng, board=board, strategy=arena.sampling)
        except NotEnoughModels:
            return refuse(
                "Fewer than two models are available right now, so no battle can start. A moderator can enable more models."
            )

        classification = classify(prompt)
        categories = list(classification.categories)
        if named and named not in categories:
            categories.insert(0, named)
        now = state.now()
        battle = await state.create_battle(
            NewBattle(
                scope_key=scope.key,
                platform=platform.name,
                channel_ref=channel_ref,
                creator_ref=actor.user_ref,
                model_a=model_a,
                model_b=model_b,
                categories=categories,
                language=classification.language,
                prompt=prompt,
                created_at=now,
                closes_at=now + timedelta(minutes=arena.battle_window_minutes),
            )
        )
        return await self._guarded(battle, self._open_and_play(platform, battle, arena, detector, prompt), platform)

    async def _sampling_board(self, scope_key: str) -> Any:
        """The scope's current board for active sampling; a slightly stale one is fine, so it is
        recomputed at most every SAMPLING_BOARD_TTL_S instead of on every battle."""
        cached = self._boards_for_sampling.get(scope_key)
        if cached and time.monotonic() - cached[0] < SAMPLING_BOARD_TTL_S:
            return cached[1]
        board = await self.state.leaderboards.warm_board(self.state.store, scope_key, None, title="", top=10_000)
        self._boards_for_sampling[scope_key] = (time.monotonic(), board)
        return board

    async def _open_and_play(
        self, platform: ChatPlatform, battle: BattleRecord, arena: ArenaSettings, detector: IdentityDetector, prompt: str
    ) -> Reply:
        window = f"in {duration_text(arena.battle_window_minutes)}"
        if arena.close_after_votes:
            window += f" or after {arena.close_after_votes} vote{'s' if arena.close_after_votes != 1 else ''}"
        refs = await platform.open_thread(
            battle.channel_ref,
            render.battle_title(battle.id),
            render.header(battle.id, prompt, battle.categories, window),
        )
        await self.state.store.set_battle_refs(battle.id, refs.thread_ref, refs.header_ref)
        battle = dataclasses.replace(battle, thread_ref=refs.thread_ref, header_ref=refs.header_ref)
        if detector.find(prompt) and await self.state.flag_identity_leak(battle.id):
            await platform.post(refs.thread_ref, render.identity_leak_text("prompt"))
        return await self._play_turn(platform, battle, arena, detector, prompt, index=0)

    async def _guarded(
        self, battle: BattleRecord, work: Coroutine[Any, Any, Reply], platform: ChatPlatform | None = None
    ) -> Reply:
        """Run a battle's turn; whatever goes wrong (a platform error, shutdown) voids it."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        self._generating.add(battle.id)
        try:
            return await work
        except asyncio.CancelledError:
            await asyncio.shield(self.state.void_battle(battle.id, "interrupted: the bot stopped while generating"))
            raise
        except Exception:
            log.exception("battle #%s failed", battle.id)
            await asyncio.shield(self.state.void_battle(battle.id, "internal error"))
            thread_ref = (await self.state.store.get_battle(battle.id) or battle).thread_ref
            if platform is not None and thread_ref:
                try:
                    await platform.post(
                        thread_ref, "Something went wrong on our side, so this battle is void. Please start a new one."
                    )
                except Exception:
                    log.warning("could not post the failure note of battle #%s", battle.id, exc_info=True)
            return refuse(
                f"Battle #{battle.id} could not be completed because of an internal error; it is void. Please try again."
            )
        finally:
            self._generating.discard(battle.id)
            if task is not None:
                self._inflight.discard(task)

    async def _battle(self, battle_id: int) -> BattleRecord:
        battle = await self.state.store.get_battle(battle_id)
        if battle is None:
            raise LookupError(f"battle #{battle_id} disappeared")
        return battle

    # ----- one turn (the opening prompt or a follow-up) ----------------------------------------

    async def _histories(self, battle: BattleRecord) -> dict[Side, list[Message]]:
        histories: dict[Side, list[Message]] = {Side.A: [], Side.B: []}
        for turn in await self.state.store.turns(battle.id):
            histories[turn.side] += [Message("user", turn.prompt), Message("assistant", turn.reply)]
        return histories

    async def _play_turn(
        self,
        platform: ChatPlatform,
        battle: BattleRecord,
        arena: ArenaSettings,
        detector: IdentityDetector,
        prompt: str,
        index: int,
    ) -> Reply:
        state = self.state
        thread_ref = battle.thread_ref or battle.channel_ref
        models = {Side.A: await state.model(battle.model_a), Side.B: await state.model(battle.model_b)}
        past = await self._histories(battle) if index else {Side.A: [], Side.B: []}
        # Each model sees only its own history; the hub adds the system prompts.
        conversations = {side: past[side] + [Message("user", prompt)] for side in (Side.A, Side.B)}
        results = await generate_turn(state, platform, thread_ref, models, conversations, arena.reply_timeout_seconds)
        await state.store.add_turns([self._turn_record(battle.id, index, side, prompt, r) for side, r in results.items()])

        failed = [r for r in results.values() if r.error]
        if failed:
            reason = "; ".join(f"{render.SIDE_LABELS[r.side]} failed: {r.error}" for r in failed)
            await state.void_battle(battle.id, reason)
            for result in failed:
                await platform.post(thread_ref, render.side_failed_text(result.side, result.error or "failed"))
            return Reply(f"Battle #{battle.id} is void: {reason}.", ok=False)

        if detector.leaks(*(r.text for r in results.values())) and await state.flag_identity_leak(battle.id):
            await platform.post(thread_ref, render.identity_leak_text("reply"))
        await self._post_ballot(platform, battle, thread_ref, arena, index)
        return Reply(f"Battle #{battle.id} is ready for votes.", private=True)

    async def _post_ballot(
        self, platform: ChatPlatform, battle: BattleRecord, thread_ref: str, arena: ArenaSettings, index: int
    ) -> None:
        """Post the ballot in the scope's mode, then open voting on it."""
        ballot = Ballot(battle.id, render.ballot_text(index + 1, arena.max_turns, arena.ballot), mode=arena.ballot)
        ballot_ref = await platform.post_ballot(thread_ref, ballot)
        if ballot.mode == "reactions":
            # Reactions are traced to their battle by the ballot's ref, so it is stored before
            # they go on. Buttons name their battle; a reaction added under them never votes.
            await self.state.store.add_message_ref(battle.id, platform.name, ballot_ref, "ballot")
            self.state.remember_ballot((platform.name, ballot_ref), (battle.id, battle.scope_key))
        try:
            await platform.open_voting(ballot_ref, ballot)
        except Exception:  # members can still add the reactions themselves: the battle stands
            log.warning("could not open voting on battle #%s's ballot", battle.id, exc_info=True)

    @staticmethod
    def _turn_record(battle_id: int, index: int, side: Side, prompt: str, result: SideResult) -> TurnRecord:
        completion = result.completion
        return TurnRecord(
            battle_id=battle_id,
            index=index,
            side=side,
            prompt=prompt,
            reply=result.text,
            latency_s=completion.latency_s if completion else result.latency_s,
            first_token_s=completion.first_token_s if completion else None,
            prompt_tokens=completion.prompt_tokens if completion else None,
            completion_tokens=completion.completion_tokens if completion else None,
            finish_reason=completion.finish_reason if completion else None,
            error=result.detail or result.error or ("stopped before finishing" if result.stopped else None),
        )

    # ----- follow-ups --------------------------------------------------------------------------

    async def follow_up(self, platform: ChatPlatform, thread_ref: str, actor: Actor, text: str) -> Reply | None:
        """Continue both conversations; None when this is not the creator in a battle thread.

        Every human message in an open battle's thread is read: one that names a model, family
        or vendor of this battle (not the creator's follow-up prompt, which has its own rule)
        makes the votes cast from then on not count."""
        battle = await self.state.store.battle_by_thread(platform.name, thread_ref)
        if battle is None or actor.is_bot:
            return None
        text = text.strip()
        if not text:
            return None
        if actor.user_ref != battle.creator_ref:
            await self._read_thread_message(platform, battle, text)
            return None

        async def follow() -> Reply:
            return await self._follow_up(platform, battle, text)

        return await self.chain.run(Call("follow_up", platform, actor, battle.scope_key, battle.id), follow)

    async def _follow_up(self, platform: ChatPlatform, battle: BattleRecord, text: str) -> Reply:
        arena = await self.state.arena_settings(battle.scope_key)
        if battle.status is not BattleStatus.OPEN:
            return refuse(f"Battle #{battle.id} is {battle.status.value}; start a new battle to keep chatting.")
        # A leaked battle's votes never count, so its counter cannot tell whether voting began.
        leaked = battle.identity_leak or battle.leaked_at is not None
        if battle.counted_votes > 0 or (leaked and await self.state.store.has_votes(battle.id)):
            # Not a follow-up any more, but still a message in the thread that may name a model.
            await self._read_thread_message(platform, battle, text)
            return refuse(
                f"Voting on battle #{battle.id} has started, so the conversation is over. Start a new battle to ask more."
            )
        if battle.turns >= arena.max_turns:
            return refuse(f"Battle #{battle.id} reached its limit of {arena.max_turns} turns. Vote now, or start a new battle.")
        if len(text) > arena.max_prompt_chars:
            return refuse(f"That message is {len(text)} characters long; the limit here is {arena.max_prompt_chars}.")
        _, detector = await self.state.registry()
        # No await between this check and _guarded marking the battle busy.
        if battle.id in self._generating:
            return refuse("Please wait until both models have finished answering.")
        return await self._guarded(battle, self._continue(platform, battle, arena, detector, text), platform)

    async def _read_thread_message(self, platform: ChatPlatform, battle: BattleRecord, text: str) -> None:
        if battle.status is not BattleStatus.OPEN or battle.identity_leak or battle.leaked_at is not None:
            return
        detector = await self.state.battle_detector(battle.model_a, battle.model_b)
        if not detector.find(text):
            return
        if await self.state.store.flag_thread_leak(battle.id, self.state.now()):
            try:
                await platform.post(battle.thread_ref or battle.channel_ref, render.thread_leak_text())
            except Exception:
                log.warning("could not post the thread-leak note of battle #%s", battle.id, exc_info=True)

    async def _continue(
        self, platform: ChatPlatform, battle: BattleRecord, arena: ArenaSettings, detector: IdentityDetector, text: str
    ) -> Reply:
        if MULTI_TURN not in battle.categories:
            await self.state.store.add_categories(battle.id, [MULTI_TURN])
        if detector.find(text) and await self.state.flag_identity_leak(battle.id):
            await platform.post(battle.thread_ref or battle.channel_ref, render.identity_leak_text("prompt"))
        return await self._play_turn(platform, battle, arena, detector, text, index=battle.turns)

    # ----- close, reveal and sweep ------------------------------------------------------------

    async def close_and_reveal(self, platform: ChatPlatform, battle: BattleRecord) -> bool:
        """Close the battle and reveal the names; False if another caller (or process) got there first."""
        if not await self.state.store.close_battle(battle.id, self.state.now()):
            return False
        battle = await self._battle(battle.id)
        await self._reveal(platform, battle)
        return True

    async def reveal(self, platform: ChatPlatform, battle: BattleRecord) -> None:
        """Show the names of a battle already closed in the database (e.g. by the vote that
        reached close_after_votes, in its own transaction)."""
        await self._reveal(platform, battle)

    async def _reveal(self, platform: ChatPlatform, battle: BattleRecord) -> None:
        thread_ref = battle.thread_ref or battle.channel_ref
        try:
            if battle.header_ref:
                await platform.edit(
                    battle.header_ref,
                    render.revealed_header(battle.id, battle.prompt, battle.categories, battle.model_a, battle.model_b),
                )
            await platform.post(
                thread_ref, render.reveal_text(battle.model_a, battle.model_b, battle.counted_votes, battle.identity_leak)
            )
        except Exception:
            # The battle is closed in the DB either way; a lost message must not stop the sweeper.
            log.exception("could not post the reveal of battle #%s", battle.id)

    async def sweep(self, platform: ChatPlatform) -> int:
        """Close and reveal this platform's battles whose window has passed; returns how many this process revealed."""
        revealed = 0
        for battle in await self.state.store.expired_open_battles(platform.name, self.state.now()):
            if battle.id in self._generating:
                continue  # still answering here; the next sweep gets it
            if await self.close_and_reveal(platform, battle):
                revealed += 1
        return revealed

    def periodic_jobs(self) -> list[PeriodicJob]:
        """One sweep per attached platform, each once per interval across processes."""
        interval = self.state.settings.arena.sweep_interval_seconds
        return [
            PeriodicJob(f"sweep:{name}", interval, functools.partial(self.sweep, platform))
            for name, platform in sorted(self.state.platforms.items())
        ]

    async def drain(self, grace_seconds: float) -> int:
        """On shutdown: let in-flight turns finish for up to `grace_seconds`, then cancel them
        (which voids their battles). Returns how many were cancelled."""
        tasks = [t for t in self._inflight if t is not asyncio.current_task() and not t.done()]
        if not tasks:
            return 0
        _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)
