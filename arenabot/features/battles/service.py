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
from arenabot.features.battles.classifying import PromptClassifier
from arenabot.features.battles.draws import Draw, DrawRule
from arenabot.features.shared import ArenaState
from arenabot.generation import SideResult, generate_turn
from arenabot.middleware import Call, MiddlewareChain
from arenabot.permissions import MissingPermission
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.sampling import Candidate, NotEnoughModels, sample_pair
from arenabot.scheduling import PeriodicJob
from arenabot.screening import ScreenFor, no_screen
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
    def __init__(self, state: ArenaState, chain: MiddlewareChain, screen_for: ScreenFor = no_screen):
        self.state = state
        self.chain = chain
        self.screen_for = screen_for  # the content check on replies, per scope (contentmod)
        self._boards_for_sampling: dict[str, tuple[float, Any, Any]] = {}  # scope -> (when, board, counts)
        self._generating: set[int] = set()  # battles with a turn in flight in this process
        self._inflight: set[asyncio.Task[Any]] = set()
        self._draw_rules: list[DrawRule] = []
        self.classifier = PromptClassifier(state)  # the optional LLM labels, beside each battle

    def add_draw_rule(self, rule: DrawRule) -> None:
        """Let another feature narrow the models of new blind battles (see draws.py)."""
        self._draw_rules.append(rule)

    async def _draw(self, scope_key: str, channel_ref: str) -> Draw | None:
        for rule in self._draw_rules:
            draw = await rule(scope_key, channel_ref)
            if draw is not None:
                return draw
        return None

    # ----- starting a battle -----------------------------------------------------------------

    async def start_battle(
        self, platform: ChatPlatform, scope: Scope, channel_ref: str, actor: Actor, prompt: str, *, category: str | None = None
    ) -> Reply:
        """Refuse at once (nothing stored, nothing posted) or run a whole first turn."""
        prompt = prompt.strip()
        arena = await self.state.arena_settings(scope.key)
        refusal = self._check_start(actor, prompt, arena, "battle Write a haiku about rain")
        if refusal is not None:
            return refusal
        named: str | None = None
        if category:
            try:
                named = normalise_category(category)
            except ValueError as exc:
                return refuse(str(exc).capitalize() + ".")

        async def start() -> Reply:
            return await self._sample_and_play(platform, scope, channel_ref, actor, prompt, named, arena)

        reply = await self.chain.run(Call("start_battle", platform, actor, scope.key, text=prompt), start)
        assert reply is not None, "a middleware swallowed a battle start"
        return reply

    @staticmethod
    def _check_start(actor: Actor, prompt: str, arena: ArenaSettings, example: str) -> Reply | None:
        if actor.is_bot:
            return refuse("Bots cannot start battles.")
        if not prompt:
            return refuse(f"Write a prompt to start a battle, e.g. `{example}`.")
        if len(prompt) > arena.max_prompt_chars:
            return refuse(
                f"That prompt is {len(prompt)} characters long; the limit here is {arena.max_prompt_chars}. Shorten it and try again."
            )
        return None

    async def compare(
        self, platform: ChatPlatform, scope: Scope, channel_ref: str, actor: Actor, model_a: str, model_b: str, prompt: str
    ) -> Reply:
        """A named (side-by-side) battle: the creator picks both models, whose names are shown
        from the start. Voting works as in a blind battle; the votes count on the named boards
        only. Bans and rate limits apply (the same middleware chain as blind battles)."""
        prompt = prompt.strip()
        arena = await self.state.arena_settings(scope.key)
        refusal = self._check_start(actor, prompt, arena, "compare model-a model-b Write a haiku about rain")
        if refusal is not None:
            return refusal
        models, detector = await self.state.registry()
        enabled = {m.name.lower(): m.name for m in models if m.enabled}
        picked: list[str] = []
        for typed in (model_a, model_b):
            name = enabled.get(typed.strip().lower())
            if name is None:
                listed = ", ".join(f"`{n}`" for n in sorted(enabled.values())) or "none"
                return refuse(f"There is no enabled model called `{typed.strip()}`. Models you can compare: {listed}.")
            picked.append(name)
        if picked[0] == picked[1]:
            return refuse("Pick two different models to compare.")

        async def start() -> Reply:
            return await self._create_and_play(
                platform, scope, channel_ref, actor, prompt, None, arena, detector, picked[0], picked[1], anony=False
            )

        reply = await self.chain.run(Call("start_battle", platform, actor, scope.key, text=prompt), start)
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
        *,
        after: BattleRecord | None = None,
    ) -> Reply:
        state = self.state
        models, detector = await state.registry()
        candidates = [
            Candidate(m.name, m.weight, tuple(m.targets), available=state.hub.is_available(m.name))
            for m in models
            if m.enabled and m.weight > 0
        ]
        draw = await self._draw(scope.key, channel_ref)
        strategy = arena.sampling
        if draw is not None:  # e.g. a tournament: only its entrants, paired to separate them
            candidates = [c for c in candidates if c.name in draw.models]
            strategy = "active"
            named = named or draw.category
        if after is not None and not after.is_open:
            candidates = self._fresh_pool(candidates, after)
        boost = arena.new_model_battles > 0 and arena.new_model_boost != 1
        # The board gives "active" its ratings and the boost each model's battles so far; the
        # counts behind it give "active" the ratings' full covariance (a draw's board has none).
        if draw is not None:
            board, counts = draw.board, None
        else:
            board, counts = await self._sampling_inputs(scope.key) if strategy == "active" or boost else (None, None)
        # A new round of a battle still open may draw its models (see _fresh_pool), never its pair.
        avoid = {after.model_a, after.model_b} if after is not None and after.is_open else None
        try:
            for _ in range(20):
                model_a, model_b = sample_pair(
                    candidates,
                    state.rng,
                    board=board,
                    strategy=strategy,
                    new_model_boost=arena.new_model_boost,
                    new_model_battles=arena.new_model_battles,
                    counts=counts,
                )
                if {model_a, model_b} != avoid:
                    break
        except NotEnoughModels:
            if draw is not None:
                return refuse(
                    "Fewer than two of the models this battle may be drawn from are available right now "
                    f"({draw.note.strip()}). Try again later, or a moderator can stop it."
                )
            return refuse(
                "Fewer than two models are available right now, so no battle can start. A moderator can enable more models."
            )
        return await self._create_and_play(
            platform, scope, channel_ref, actor, prompt, named, arena, detector, model_a, model_b, round_of=after, draw=draw
        )

    async def _create_and_play(
        self,
        platform: ChatPlatform,
        scope: Scope,
        channel_ref: str,
        actor: Actor,
        prompt: str,
        named: str | None,
        arena: ArenaSettings,
        detector: IdentityDetector,
        model_a: str,
        model_b: str,
        *,
        anony: bool = True,
        round_of: BattleRecord | None = None,
        draw: Draw | None = None,
    ) -> Reply:
        state = self.state
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
                anony=anony,
            )
        )
        if draw is not None:
            await draw.enter(battle.id)
        self.classifier.classify_later(battle.id, prompt)
        note = draw.note if draw is not None else None
        return await self._guarded(
            battle, self._open_and_play(platform, battle, arena, detector, prompt, round_of, note), platform
        )

    async def sampling_board(self, scope_key: str) -> Any:
        """The scope's current board for active sampling (see `_sampling_inputs`)."""
        return (await self._sampling_inputs(scope_key))[0]

    async def _sampling_inputs(self, scope_key: str) -> tuple[Any, Any]:
        """(board, pair counts behind it) for sampling; a slightly stale pair is fine, so it is
        recomputed at most every SAMPLING_BOARD_TTL_S instead of on every battle (and the
        sampler's plan, cached per board, is recomputed only then too)."""
        cached = self._boards_for_sampling.get(scope_key)
        if cached and time.monotonic() - cached[0] < SAMPLING_BOARD_TTL_S:
            return cached[1], cached[2]
        from arenabot.ratings import counts_from_pairs  # numpy/scipy load with the first active battle

        records = await self.state.store.pair_counts(scope_key, None)
        board = self.state.leaderboards.board(records, title="", top=10_000)
        counts = counts_from_pairs(records) if records else None
        self._boards_for_sampling[scope_key] = (time.monotonic(), board, counts)
        return board, counts

    async def _open_and_play(
        self,
        platform: ChatPlatform,
        battle: BattleRecord,
        arena: ArenaSettings,
        detector: IdentityDetector,
        prompt: str,
        round_of: BattleRecord | None = None,
        note: str | None = None,
    ) -> Reply:
        window = f"in {duration_text(arena.battle_window_minutes)}"
        if arena.close_after_votes:
            window += f" or after {arena.close_after_votes} vote{'s' if arena.close_after_votes != 1 else ''}"
        if battle.anony:
            header = render.header(
                battle.id, prompt, battle.categories, window, round_of=round_of.id if round_of else None, note=note
            )
        else:
            header = render.named_header(battle.id, prompt, battle.categories, battle.model_a, battle.model_b, window)
        refs = await platform.open_thread(battle.channel_ref, render.battle_title(battle.id), header)
        await self.state.store.set_battle_refs(battle.id, refs.thread_ref, refs.header_ref)
        battle = dataclasses.replace(battle, thread_ref=refs.thread_ref, header_ref=refs.header_ref)
        if round_of is not None:
            try:  # the link from the old thread; the new battle stands without it
                await platform.post(round_of.thread_ref or round_of.channel_ref, render.new_round_text(battle.id))
            except Exception:
                log.warning("could not link battle #%s from battle #%s", battle.id, round_of.id, exc_info=True)
        # A named battle shows its names already: nothing can leak them.
        if battle.anony and detector.find(prompt) and await self.state.flag_identity_leak(battle.id):
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
        except MissingPermission as missing:
            # Not a bug: a server setting. One log line (no traceback), the fix to the member, and
            # the scope's moderators see it in `/arena doctor`.
            await asyncio.shield(self.state.void_battle(battle.id, f"missing permission: {missing.permission}"))
            self.state.note_missing_permission(battle.scope_key, missing)
            log.warning("battle #%s void: %s", battle.id, missing)
            return refuse(missing.user_text())
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
        screen = await self.screen_for(battle.scope_key)
        results = await generate_turn(
            state, platform, thread_ref, models, conversations, arena.reply_timeout_seconds, arena.max_reply_chars, screen
        )
        await state.store.add_turns([self._turn_record(battle.id, index, side, prompt, r) for side, r in results.items()])

        flagged = [r for r in results.values() if r.flag is not None]
        if flagged:
            # Like a failed side: the battle is void (its votes never count) and gets no ballot.
            reason = "; ".join(
                f"{render.SIDE_LABELS[r.side]}'s reply flagged by content moderation ({r.flag.why})" for r in flagged if r.flag
            )
            await state.void_battle(battle.id, reason)
            for result in flagged:
                if result.flag is not None:
                    await platform.post(thread_ref, render.reply_flagged_text(result.side, result.flag))
            return Reply(f"Battle #{battle.id} is void: {reason}.", ok=False)

        failed = [r for r in results.values() if r.error]
        if failed:
            reason = "; ".join(f"{render.SIDE_LABELS[r.side]} failed: {r.error}" for r in failed)
            await state.void_battle(battle.id, reason)
            for result in failed:
                await platform.post(thread_ref, render.side_failed_text(result.side, result.error or "failed"))
            return Reply(f"Battle #{battle.id} is void: {reason}.", ok=False)

        leaks = battle.anony and detector.leaks(*(r.text for r in results.values()))
        if leaks and await state.flag_identity_leak(battle.id):
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
        except MissingPermission as missing:  # the battle stands: members can add the reactions
            self.state.note_missing_permission(battle.scope_key, missing)
            log.warning("battle #%s: could not open voting: %s", battle.id, missing)
            try:
                await platform.post(thread_ref, render.voting_not_opened_text(missing.permission, missing.fix))
            except Exception as exc:
                log.warning("battle #%s: could not say so in the thread either: %s", battle.id, type(exc).__name__)
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
        """Continue both conversations; None when the message is nobody's turn (not the creator
        before the vote, not a voter after it) or not in a battle thread.

        Every human message in an open battle's thread is read: one that names a model, family
        or vendor of this battle (not the creator's follow-up prompt, which has its own rule)
        makes the votes cast from then on not count."""
        battle = await self.state.store.battle_by_thread(platform.name, thread_ref)
        if battle is None or actor.is_bot:
            return None
        text = text.strip()
        if not text:
            return None
        chat_on = await self._may_chat_on(battle, actor)
        if actor.user_ref != battle.creator_ref and not chat_on:
            await self._read_thread_message(platform, battle, text)
            return None

        reached = False

        async def follow() -> Reply:
            nonlocal reached
            reached = True
            if chat_on:
                return await self._chat_on(platform, battle, text)
            return await self._follow_up(platform, battle, text)

        reply = await self.chain.run(Call("follow_up", platform, actor, battle.scope_key, battle.id, text=text), follow)
        if not reached:
            # Refused by a check (e.g. content moderation): the message is in the thread all the
            # same, so it is read like any member's message.
            await self._read_thread_message(platform, battle, text)
        return reply

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
                f"Voting on battle #{battle.id} has started, so the conversation is over. "
                "Vote to keep chatting with both models, or start a new round with `again`."
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
        if not battle.anony or battle.status is not BattleStatus.OPEN or battle.identity_leak or battle.leaked_at is not None:
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
        if battle.anony and detector.find(text) and await self.state.flag_identity_leak(battle.id):
            await platform.post(battle.thread_ref or battle.channel_ref, render.identity_leak_text("prompt"))
        return await self._play_turn(platform, battle, arena, detector, text, index=battle.turns)

    # ----- after the vote: chatting on, and a new round --------------------------------------

    async def _may_chat_on(self, battle: BattleRecord, actor: Actor) -> bool:
        """A voter may keep chatting once they voted, the creator once the battle is revealed.
        (Not everyone after the reveal: members talking about the result must not wake the models.)"""
        if battle.status is BattleStatus.VOID:
            return False
        if battle.status is BattleStatus.CLOSED and actor.user_ref == battle.creator_ref:
            return True
        return await self.state.store.has_voted(battle.id, actor.user_ref)

    async def _chat_on(self, platform: ChatPlatform, battle: BattleRecord, text: str) -> Reply:
        arena = await self.state.arena_settings(battle.scope_key)
        if battle.is_open:
            # Still a message in a blind battle's thread: naming a model stops later votes counting.
            await self._read_thread_message(platform, battle, text)
        later = sum(1 for t in await self.state.store.turns(battle.id) if t.after_vote and t.side is Side.A)
        if later >= arena.max_chat_turns:
            return refuse(
                f"Battle #{battle.id} reached its limit of {arena.max_chat_turns} turns after the vote. "
                "Start a new round with `again`."
            )
        if len(text) > arena.max_prompt_chars:
            return refuse(f"That message is {len(text)} characters long; the limit here is {arena.max_prompt_chars}.")
        if battle.id in self._generating:  # no await between this check and marking it busy below
            return refuse("Please wait until both models have finished answering.")
        self._generating.add(battle.id)
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            return await self._play_later_turn(platform, battle, arena, text)
        except Exception:
            # Unlike a battle's own turns, a failure here voids nothing: the votes stand as they are.
            log.exception("a later turn of battle #%s failed", battle.id)
            return refuse(f"Both models could not answer on battle #{battle.id} this time; its votes are unchanged.")
        finally:
            self._generating.discard(battle.id)
            if task is not None:
                self._inflight.discard(task)

    async def _play_later_turn(self, platform: ChatPlatform, battle: BattleRecord, arena: ArenaSettings, text: str) -> Reply:
        state = self.state
        thread_ref = battle.thread_ref or battle.channel_ref
        models = {Side.A: await state.model(battle.model_a), Side.B: await state.model(battle.model_b)}
        past = await self._histories(battle)
        conversations = {side: past[side] + [Message("user", text)] for side in (Side.A, Side.B)}
        screen = await self.screen_for(battle.scope_key)
        results = await generate_turn(
            state, platform, thread_ref, models, conversations, arena.reply_timeout_seconds, arena.max_reply_chars, screen
        )
        index = battle.turns  # read with the battle: turns are numbered in the order they were asked
        await state.store.add_turns(
            [
                dataclasses.replace(self._turn_record(battle.id, index, side, text, r), after_vote=True)
                for side, r in results.items()
            ]
        )
        for result in results.values():
            if result.error:
                await platform.post(thread_ref, render.later_turn_failed_text(result.side, result.error))
            elif result.flag is not None:  # hidden; the votes judged the earlier turns, so they stand
                await platform.post(thread_ref, render.later_reply_flagged_text(result.side, result.flag))
        if battle.anony and battle.is_open:
            # Anyone may read these replies before voting: one that names a model of this battle
            # is a thread leak (votes from then on do not count), as a member's message would be.
            detector = await state.battle_detector(battle.model_a, battle.model_b)
            if detector.find(" ".join(r.text for r in results.values())):
                if await state.store.flag_thread_leak(battle.id, state.now()):
                    await platform.post(thread_ref, render.thread_leak_text())
        return Reply(f"Both models answered on battle #{battle.id}; votes are unchanged.", private=True)

    async def again(self, platform: ChatPlatform, actor: Actor, battle: BattleRecord) -> Reply:
        """A new round: a fresh blind battle on the same prompt with two newly sampled models, in
        the same channel, linked from the old thread. Once the member voted, or after the reveal."""
        if actor.is_bot:
            return refuse("Bots cannot start battles.")
        if battle.is_open and not await self.state.store.has_voted(battle.id, actor.user_ref):
            return refuse(f"Vote on battle #{battle.id} first (or wait for its reveal), then start a new round.")
        scope = Scope.parse(battle.scope_key)
        arena = await self.state.arena_settings(scope.key)

        async def start() -> Reply:
            return await self._sample_and_play(
                platform, scope, battle.channel_ref, actor, battle.prompt, None, arena, after=battle
            )

        reply = await self.chain.run(Call("start_battle", platform, actor, scope.key, text=battle.prompt), start)
        assert reply is not None, "a middleware swallowed a battle start"
        return reply

    async def new_round(self, platform: ChatPlatform, battle_id: int, actor: Actor, event_id: str) -> Reply | None:
        """The ballot's "new round" button (it names its battle). None for a replayed event."""
        battle = await self.state.store.get_battle(battle_id)
        if battle is None or battle.platform != platform.name:
            return refuse(f"There is no battle #{battle_id} here.")
        return await self._new_round_once(platform, actor, battle, event_id)

    async def new_round_on_ballot(self, platform: ChatPlatform, message_ref: str, actor: Actor, event_id: str) -> Reply | None:
        """The "new round" reaction on a reaction ballot. None when it is not on a ballot, the
        actor is a bot, or the event is a replay."""
        if actor.is_bot:
            return None
        found = await self.state.ballot_battle(platform, message_ref)
        battle = await self.state.store.get_battle(found[0]) if found else None
        if battle is None:
            return None
        return await self._new_round_once(platform, actor, battle, event_id)

    async def _new_round_once(self, platform: ChatPlatform, actor: Actor, battle: BattleRecord, event_id: str) -> Reply | None:
        if actor.is_bot:
            return None
        if not await self.state.store.claim_event(event_id, self.state.now()):
            return None  # a replayed click or reaction: its battle was started (or refused) already
        return await self.again(platform, actor, battle)

    async def again_in(self, platform: ChatPlatform, actor: Actor, scope: Scope, battle_ref: str) -> Reply:
        """`again` run as a command: in the battle's thread, or naming its number."""
        battle = await self.state.store.battle_by_thread(platform.name, battle_ref.strip())
        number = battle_ref.strip().removeprefix("#")
        if battle is None and number.isdigit():
            battle = await self.state.store.get_battle(int(number))
        if battle is None or battle.scope_key != scope.key:
            return refuse(f"No battle {battle_ref!r} here; run `again` in a battle's thread or name it, e.g. `again #42`.")
        return await self.again(platform, actor, battle)

    @staticmethod
    def _fresh_pool(candidates: list[Candidate], old: BattleRecord) -> list[Candidate]:
        """Candidates for a new round of a revealed battle. Its names are public and a voter could
        recognise a known model's style on the same prompt, so both old models are left out when
        enough others can answer, else one of them (never the same pair), else none.

        Not while the old battle is open: a pool narrowed by names only the voter knows would tell
        everyone, at the old battle's reveal, two models the still-open new round does not hold.
        Then only the old pair itself is avoided (see _sample_and_play)."""
        for excluded in ({old.model_a, old.model_b}, {old.model_a}, {old.model_b}):
            pool = [c for c in candidates if c.name not in excluded]
            if sum(1 for c in pool if c.available) >= 2:
                return pool
        return candidates

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
            if not battle.anony:  # the names were shown all along: only say that voting is over
                await platform.post(thread_ref, render.named_closed_text(battle.counted_votes))
                return
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
        await self.classifier.drain(0)  # labels are a nicety: never hold up a shutdown for them
        tasks = [t for t in self._inflight if t is not asyncio.current_task() and not t.done()]
        if not tasks:
            return 0
        _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)
