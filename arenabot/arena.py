"""The platform-neutral arena: battles, follow-ups, votes, reveal, leaderboards.

Adapters turn platform events into calls on `ArenaService` and show the `Reply` it returns; the
service talks back to the platform only through `ChatPlatform`. All state lives in the store,
so several processes (Discord shards, Slack workers, the console) can share one database.
Moderation commands live in `arenabot.moderation` and are mixed in here.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from arenabot import render
from arenabot.anonymity import IdentityDetector
from arenabot.categories import MULTI_TURN, classify, normalise_category
from arenabot.config import ArenaSettings, ModelSettings, Settings
from arenabot.domain import Actor, BattleStatus, Message, Outcome, Scope, Side
from arenabot.generation import SideResult, generate_turn
from arenabot.leaderboard import LeaderboardCache
from arenabot.moderation import ModerationMixin
from arenabot.ports import ChatPlatform
from arenabot.providers import ProviderHub
from arenabot.replies import Reply, refuse
from arenabot.sampling import Candidate, NotEnoughModels, sample_pair
from arenabot.storage import BattleRecord, NewBattle, Store, TurnRecord, VoteResult

__all__ = ["ArenaService", "Reply", "SCOPE_SETTING_KEYS"]

log = logging.getLogger(__name__)

# Arena settings a moderator may override per server/workspace (`set <key> <value>`).
SCOPE_SETTING_KEYS = (
    "reveal_to_voter",
    "close_after_votes",
    "battle_window_minutes",
    "max_turns",
    "rate_limit_battles",
    "rate_limit_minutes",
    "max_prompt_chars",
)

# Registry and per-scope settings are re-read at most this often (seconds), so another
# process's moderation change takes effect quickly without a query on every event.
CACHE_TTL_S = 2.0
SAMPLING_BOARD_TTL_S = 30.0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _duration_text(minutes: float) -> str:
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes / 60:g} hours"
    if minutes >= 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes:g} minutes"


class ArenaService(ModerationMixin):
    def __init__(
        self,
        settings: Settings,
        store: Store,
        hub: ProviderHub,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self.settings = settings
        self.store = store
        self.hub = hub
        self.rng = rng or random.Random()
        self.now = clock
        self.leaderboards = LeaderboardCache()
        self._scope_defaults: dict[str, dict[str, Any]] = {}
        self._scope_cache: dict[str, tuple[float, ArenaSettings]] = {}
        self._models_cache: tuple[float, list[ModelSettings], IdentityDetector] | None = None
        self._battle_detectors: dict[tuple[str, str], IdentityDetector] = {}  # rebuilt with the registry
        self._bans: dict[tuple[str, str], tuple[float, bool]] = {}
        self._boards_for_sampling: dict[str, tuple[float, Any]] = {}
        # Ballot message -> (battle id, scope key): fixed once posted, so votes skip that lookup.
        self._ballots: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
        self._generating: set[int] = set()  # battles with a turn in flight in this process
        self._inflight: set[asyncio.Task[Any]] = set()

    # ----- settings and registry -------------------------------------------------------------

    def set_scope_defaults(self, scope: Scope, **values: Any) -> None:
        """In-process defaults for one scope, under any moderator override stored in the DB
        (the console uses close_after_votes=1: a one-person arena reveals after its vote)."""
        ArenaSettings.model_validate({**self.settings.arena.model_dump(), **values})
        self._scope_defaults[scope.key] = values
        self._scope_cache.pop(scope.key, None)

    async def arena_settings(self, scope_key: str) -> ArenaSettings:
        cached = self._scope_cache.get(scope_key)
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1]
        overrides = {**self._scope_defaults.get(scope_key, {}), **await self.store.get_settings(scope_key)}
        arena = self.settings.arena
        if overrides:
            try:
                arena = ArenaSettings.model_validate({**arena.model_dump(), **overrides})
            except ValidationError:
                log.warning("ignoring invalid stored settings for %s: %s", scope_key, overrides)
        self._scope_cache[scope_key] = (time.monotonic(), arena)
        return arena

    async def _registry(self) -> tuple[list[ModelSettings], IdentityDetector]:
        cached = self._models_cache
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1], cached[2]
        models = [record.to_settings() for record in await self.store.list_models()]
        detector = IdentityDetector.for_models(models)
        self._models_cache = (time.monotonic(), models, detector)
        self._battle_detectors = {}
        return models, detector

    def _forget_registry(self) -> None:
        self._models_cache = None

    async def is_banned(self, scope_key: str, user_ref: str) -> bool:
        """Ban lookups are cached briefly (a ban made in another process applies within seconds)."""
        key = (scope_key, user_ref)
        cached = self._bans.get(key)
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1]
        if len(self._bans) > 10_000:
            self._bans.clear()
        banned = await self.store.is_banned(scope_key, user_ref)
        self._bans[key] = (time.monotonic(), banned)
        return banned

    def _forget_ban(self, scope_key: str, user_ref: str) -> None:
        self._bans.pop((scope_key, user_ref), None)

    async def _ballot_battle(self, platform: ChatPlatform, message_ref: str) -> tuple[int, str] | None:
        key = (platform.name, message_ref)
        found = self._ballots.get(key)
        if found is None:
            battle = await self.store.battle_by_message(platform.name, message_ref)
            if battle is None:
                return None
            found = (battle.id, battle.scope_key)
            self._remember_ballot(key, found)
        return found

    def _remember_ballot(self, key: tuple[str, str], value: tuple[int, str]) -> None:
        self._ballots[key] = value
        if len(self._ballots) > 10_000:
            self._ballots.popitem(last=False)

    async def _model(self, name: str) -> ModelSettings:
        models, _ = await self._registry()
        for model in models:
            if model.name == name:
                return model
        # A model removed from the registry mid-battle: fall back to the config's entry.
        configured = self.settings.model(name)
        if configured is None:
            raise LookupError(f"model {name!r} is not registered")
        return configured

    # ----- starting a battle -----------------------------------------------------------------

    async def start_battle(
        self,
        platform: ChatPlatform,
        scope: Scope,
        channel_ref: str,
        actor: Actor,
        prompt: str,
        *,
        category: str | None = None,
    ) -> Reply:
        """Refuse at once (nothing stored, nothing posted) or run a whole first turn."""
        prompt = prompt.strip()
        if actor.is_bot:
            return refuse("Bots cannot start battles.")
        arena = await self.arena_settings(scope.key)
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
        if await self.is_banned(scope.key, actor.user_ref):
            return refuse("You are banned from starting battles and voting here. Ask a moderator if you think this is a mistake.")
        now = self.now()
        since = now - timedelta(minutes=arena.rate_limit_minutes)
        recent = await self.store.count_recent_battles(scope.key, actor.user_ref, since)
        if recent >= arena.rate_limit_battles:
            return refuse(
                f"You have started {recent} battles in the last {_duration_text(arena.rate_limit_minutes)}; "
                f"the limit is {arena.rate_limit_battles}. Please wait a little and try again."
            )
        models, detector = await self._registry()
        candidates = [
            Candidate(m.name, m.weight, available=self.hub.is_available(m.name)) for m in models if m.enabled and m.weight > 0
        ]
        board = await self._sampling_board(scope.key) if arena.sampling == "active" else None
        try:
            model_a, model_b = sample_pair(candidates, self.rng, board=board, strategy=arena.sampling)
        except NotEnoughModels:
            return refuse("Fewer than two models are available right now, so no battle can start. A moderator can enable more models.")

        classification = classify(prompt)
        categories = list(classification.categories)
        if named and named not in categories:
            categories.insert(0, named)
        battle = await self.store.create_battle(
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
        board = self.leaderboards.board(await self.store.pair_counts(scope_key, None), title="", top=10_000)
        self._boards_for_sampling[scope_key] = (time.monotonic(), board)
        return board

    async def _open_and_play(
        self, platform: ChatPlatform, battle: BattleRecord, arena: ArenaSettings, detector: IdentityDetector, prompt: str
    ) -> Reply:
        window = f"in {_duration_text(arena.battle_window_minutes)}"
        if arena.close_after_votes:
            window += f" or after {arena.close_after_votes} vote{'s' if arena.close_after_votes != 1 else ''}"
        refs = await platform.open_thread(
            battle.channel_ref,
            render.battle_title(battle.id),
            render.header(battle.id, prompt, battle.categories, window),
        )
        await self.store.set_battle_refs(battle.id, refs.thread_ref, refs.header_ref)
        battle = dataclasses.replace(battle, thread_ref=refs.thread_ref, header_ref=refs.header_ref)
        if detector.find(prompt) and await self.store.flag_identity_leak(battle.id):
            await platform.post(refs.thread_ref, render.identity_leak_text("prompt"))
        return await self._play_turn(platform, battle, arena, detector, prompt, index=0)

    async def _guarded(self, battle: BattleRecord, work: Any, platform: ChatPlatform | None = None) -> Reply:
        """Run a battle's turn; whatever goes wrong (a platform error, shutdown) voids it."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        self._generating.add(battle.id)
        try:
            return await work
        except asyncio.CancelledError:
            await asyncio.shield(self.store.void_battle(battle.id, "interrupted: the bot stopped while generating"))
            raise
        except Exception:
            log.exception("battle #%s failed", battle.id)
            await asyncio.shield(self.store.void_battle(battle.id, "internal error"))
            thread_ref = (await self.store.get_battle(battle.id) or battle).thread_ref
            if platform is not None and thread_ref:
                try:
                    await platform.post(thread_ref, "Something went wrong on our side, so this battle is void. Please start a new one.")
                except Exception:
                    log.warning("could not post the failure note of battle #%s", battle.id, exc_info=True)
            return refuse(f"Battle #{battle.id} could not be completed because of an internal error; it is void. Please try again.")
        finally:
            self._generating.discard(battle.id)
            if task is not None:
                self._inflight.discard(task)

    async def _battle(self, battle_id: int) -> BattleRecord:
        battle = await self.store.get_battle(battle_id)
        if battle is None:
            raise LookupError(f"battle #{battle_id} disappeared")
        return battle

    # ----- one turn (the opening prompt or a follow-up) ----------------------------------------

    async def _histories(self, battle: BattleRecord) -> dict[Side, list[Message]]:
        histories: dict[Side, list[Message]] = {Side.A: [], Side.B: []}
        for turn in await self.store.turns(battle.id):
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
        thread_ref = battle.thread_ref or battle.channel_ref
        models = {Side.A: await self._model(battle.model_a), Side.B: await self._model(battle.model_b)}
        past = await self._histories(battle) if index else {Side.A: [], Side.B: []}
        # Each model sees only its own history; the hub adds the system prompts.
        conversations = {side: past[side] + [Message("user", prompt)] for side in (Side.A, Side.B)}
        results = await generate_turn(self.hub, platform, thread_ref, models, conversations, arena.reply_timeout_seconds)
        await self.store.add_turns([self._turn_record(battle.id, index, side, prompt, r) for side, r in results.items()])

        failed = [r for r in results.values() if r.error]
        if failed:
            reason = "; ".join(f"{render.SIDE_LABELS[r.side]} failed: {r.error}" for r in failed)
            await self.store.void_battle(battle.id, reason)
            for result in failed:
                await platform.post(thread_ref, render.side_failed_text(result.side, result.error or "failed"))
            return Reply(f"Battle #{battle.id} is void: {reason}.", ok=False)

        if detector.leaks(*(r.text for r in results.values())) and await self.store.flag_identity_leak(battle.id):
            await platform.post(thread_ref, render.identity_leak_text("reply"))
        ballot_ref = await platform.post_ballot(thread_ref, render.ballot_text(index + 1, arena.max_turns))
        await self.store.add_message_ref(battle.id, platform.name, ballot_ref, "ballot")
        self._remember_ballot((platform.name, ballot_ref), (battle.id, battle.scope_key))
        try:
            await platform.add_vote_reactions(ballot_ref)
        except Exception:  # members can still add the reactions themselves: the battle stands
            log.warning("could not add the vote reactions to battle #%s's ballot", battle.id, exc_info=True)
        return Reply(f"Battle #{battle.id} is ready for votes.", private=True)

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
        battle = await self.store.battle_by_thread(platform.name, thread_ref)
        if battle is None or actor.is_bot:
            return None
        text = text.strip()
        if not text:
            return None
        if actor.user_ref != battle.creator_ref:
            await self._read_thread_message(platform, battle, text)
            return None
        arena = await self.arena_settings(battle.scope_key)
        if battle.status is not BattleStatus.OPEN:
            return refuse(f"Battle #{battle.id} is {battle.status.value}; start a new battle to keep chatting.")
        # A leaked battle's votes never count, so its counter cannot tell whether voting began.
        if battle.counted_votes > 0 or ((battle.identity_leak or battle.leaked_at) and await self.store.has_votes(battle.id)):
            # Not a follow-up any more, but still a message in the thread that may name a model.
            await self._read_thread_message(platform, battle, text)
            return refuse(f"Voting on battle #{battle.id} has started, so the conversation is over. Start a new battle to ask more.")
        if battle.turns >= arena.max_turns:
            return refuse(f"Battle #{battle.id} reached its limit of {arena.max_turns} turns. Vote now, or start a new battle.")
        if len(text) > arena.max_prompt_chars:
            return refuse(f"That message is {len(text)} characters long; the limit here is {arena.max_prompt_chars}.")
        _, detector = await self._registry()
        # No await between this check and _guarded marking the battle busy.
        if battle.id in self._generating:
            return refuse("Please wait until both models have finished answering.")
        return await self._guarded(battle, self._continue(platform, battle, arena, detector, text), platform)

    async def _read_thread_message(self, platform: ChatPlatform, battle: BattleRecord, text: str) -> None:
        if battle.status is not BattleStatus.OPEN or battle.identity_leak or battle.leaked_at is not None:
            return
        key = (battle.model_a, battle.model_b)
        detector = self._battle_detectors.get(key)
        if detector is None:
            detector = IdentityDetector.for_battle([await self._model(battle.model_a), await self._model(battle.model_b)])
            self._battle_detectors[key] = detector
        if not detector.find(text):
            return
        if await self.store.flag_thread_leak(battle.id, self.now()):
            try:
                await platform.post(battle.thread_ref or battle.channel_ref, render.thread_leak_text())
            except Exception:
                log.warning("could not post the thread-leak note of battle #%s", battle.id, exc_info=True)

    async def _continue(
        self, platform: ChatPlatform, battle: BattleRecord, arena: ArenaSettings, detector: IdentityDetector, text: str
    ) -> Reply:
        if MULTI_TURN not in battle.categories:
            await self.store.add_categories(battle.id, [MULTI_TURN])
        if detector.find(text) and await self.store.flag_identity_leak(battle.id):
            await platform.post(battle.thread_ref or battle.channel_ref, render.identity_leak_text("prompt"))
        return await self._play_turn(platform, battle, arena, detector, text, index=battle.turns)

    # ----- votes -------------------------------------------------------------------------------

    async def vote(
        self, platform: ChatPlatform, message_ref: str, actor: Actor, outcome: Outcome, event_id: str
    ) -> Reply | None:
        """A reaction on a ballot. None when it is not a ballot, the voter is a bot, or the event is a replay."""
        if actor.is_bot:
            return None
        found = await self._ballot_battle(platform, message_ref)
        if found is None:
            return None
        battle_id, scope_key = found
        if await self.is_banned(scope_key, actor.user_ref):
            return refuse("You are banned from voting here.")
        arena = await self.arena_settings(scope_key)
        # The store marks the vote final when the voter will be told the names, and closes the
        # battle in the vote's own transaction when it reaches close_after_votes.
        result = await self.store.record_vote(
            battle_id,
            actor.user_ref,
            outcome,
            event_id=event_id,
            now=self.now(),
            reveals_names=arena.reveal_to_voter,
            close_after=arena.close_after_votes,
        )
        return await self._after_vote(platform, actor, outcome, result, arena)

    async def unvote(
        self, platform: ChatPlatform, message_ref: str, actor: Actor, outcome: Outcome, event_id: str
    ) -> Reply | None:
        """A removed reaction: withdraws the vote only if it is the voter's current one."""
        if actor.is_bot:
            return None
        found = await self._ballot_battle(platform, message_ref)
        if found is None:
            return None
        result = await self.store.record_vote(
            found[0], actor.user_ref, None, event_id=event_id, now=self.now(), only_if=outcome
        )
        if result.status == "withdrawn":
            return Reply(f"Your vote on battle #{found[0]} is withdrawn.", private=True)
        if result.status == "final":
            return self._final_vote_notice(result)
        return None

    @staticmethod
    def _final_vote_notice(result: VoteResult) -> Reply | None:
        """Told privately once per voter and battle; later attempts are stored silently. A refusal
        (the change does not count), so adapters that show only refusals show it too."""
        if result.repeat:
            return None
        return refuse(render.vote_final_text(result.battle.id, result.why == "names_seen"))

    async def _after_vote(
        self, platform: ChatPlatform, actor: Actor, outcome: Outcome, result: VoteResult, arena: ArenaSettings
    ) -> Reply | None:
        battle = result.battle
        label = render.OUTCOME_LABELS[outcome]
        if result.status == "duplicate":
            return None
        if result.status == "final":
            return self._final_vote_notice(result)
        if result.status == "late":
            return refuse(f"Battle #{battle.id} is already revealed: your vote is kept but does not count.")
        if result.status == "void":
            return refuse(f"Battle #{battle.id} is void: votes on it do not count.")
        if result.status == "unchanged":
            return Reply(f"Your vote on battle #{battle.id} is already: {label}.", private=True)
        if result.status == "counted" and arena.reveal_to_voter and battle.thread_ref:
            try:
                await platform.notify(
                    actor.user_ref, battle.thread_ref, render.voter_reveal_text(battle.id, outcome, battle.model_a, battle.model_b)
                )
            except Exception:
                log.warning("could not tell voter %s the names of battle #%s", actor.user_ref, battle.id, exc_info=True)
        if result.closed:  # this vote reached close_after_votes and closed the battle in its transaction
            await self._reveal(platform, battle)
        verb = "changed to" if result.status == "changed" else "recorded:"
        note = ""
        if battle.identity_leak:
            note = " It will not count on the anonymous leaderboard (identity leak)."
        elif battle.leaked_at is not None:
            note = " It will not count: a message in the thread named a model before your vote."
        return Reply(f"Vote on battle #{battle.id} {verb} {label}.{note}", private=True)

    # ----- close and reveal --------------------------------------------------------------------

    async def _close_and_reveal(self, platform: ChatPlatform, battle: BattleRecord) -> bool:
        """Close the battle and reveal the names; False if another caller (or process) got there first."""
        if not await self.store.close_battle(battle.id, self.now()):
            return False
        battle = await self._battle(battle.id)
        await self._reveal(platform, battle)
        return True

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
        for battle in await self.store.expired_open_battles(platform.name, self.now()):
            if battle.id in self._generating:
                continue  # still answering here; the next sweep gets it
            if await self._close_and_reveal(platform, battle):
                revealed += 1
        return revealed

    async def run_sweeper(self, platform: ChatPlatform) -> None:
        """Sweep every `sweep_interval_seconds` until cancelled; a failing sweep is logged and retried."""
        while True:
            try:
                await self.sweep(platform)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweeper run failed; retrying")
            await asyncio.sleep(self.settings.arena.sweep_interval_seconds)

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

    # ----- read-only views ---------------------------------------------------------------------

    async def leaderboard(
        self, scope: Scope, *, category: str | None = None, global_: bool = False, top: int = 20
    ) -> Reply:
        if category:
            try:
                category = normalise_category(category)
            except ValueError as exc:
                return refuse(str(exc).capitalize() + ".")
        counts = await self.store.pair_counts(None if global_ else scope.key, category)
        where = "all servers and workspaces" if global_ else render.place(scope)
        title = "Leaderboard - " + where + (f" - {category.replace('_', ' ')}" if category else "")
        board = self.leaderboards.board(counts, title=title, top=top)
        return Reply(render.leaderboard_text(board), board=board)

    async def models_overview(self, scope: Scope, actor: Actor | None = None) -> Reply:
        """The registry. Which model is cooling down after errors is shown to moderators only
        (privately): members could otherwise tell which model is missing from open battles."""
        moderator = actor is not None and actor.is_moderator
        models, _ = await self._registry()
        lines = ["**Models in the arena**"]
        for model in sorted(models, key=lambda m: m.name):
            state = "enabled" if model.enabled else "disabled"
            if moderator and model.enabled and not self.hub.is_available(model.name):
                health = getattr(self.hub, "health", None)
                state = (health(model.name) if health else None) or "cooling down after errors"
            demo = " (offline demo)" if model.is_demo else ""
            lines.append(f"- **{model.name}**{demo}: {model.provider}, weight {model.weight:g}, {state}")
        return Reply("\n".join(lines), private=moderator)

    async def stats(self, scope: Scope) -> Reply:
        here = await self.store.stats(scope.key)
        everywhere = await self.store.stats(None)
        lines = [
            f"**Arena statistics** ({render.place(scope)} / everywhere)",
            f"- Battles: {here.battles} / {everywhere.battles} ({here.open_battles} open here)",
            f"- Votes: {here.votes} / {everywhere.votes}, counted: {here.counted_votes} / {everywhere.counted_votes}",
            f"- Voters: {here.voters} / {everywhere.voters}",
            f"- Void battles: {here.void_battles}, identity leaks: {here.leaked_battles} (here)",
            f"- Models that have battled: {here.models} / {everywhere.models}",
        ]
        return Reply("\n".join(lines))

    def help_text(self) -> str:
        return render.help_text(self.settings.arena)
