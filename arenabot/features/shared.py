"""What every feature shares: the collaborators (settings, store, hub, clock, events) and the
short-lived caches of the model registry, bans, per-scope settings and ballots.

One small object, so a moderator's change made through one feature (a ban, a new model, a
setting) is seen at once by the others in this process, and within CACHE_TTL_S by other
processes sharing the database.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from arenabot.anonymity import IdentityDetector
from arenabot.config import ArenaSettings, ModelSettings, Settings
from arenabot.domain import Message, Outcome, Scope
from arenabot.events import ArenaEvents
from arenabot.leaderboard import LeaderboardCache
from arenabot.permissions import MissingPermission
from arenabot.ports import ChatPlatform
from arenabot.providers import Completion, ProviderError, ProviderHub
from arenabot.storage import BattleRecord, NewBattle, Store, VoteResult

log = logging.getLogger(__name__)

# Registry and per-scope settings are re-read at most this often (seconds), so another
# process's moderation change takes effect quickly without a query on every event.
CACHE_TTL_S = 2.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ArenaState:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        hub: ProviderHub,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
        events: ArenaEvents | None = None,
    ):
        self.settings = settings
        self.store = store
        self.hub = hub
        self.rng = rng or random.Random()
        self.now = clock
        self.events = events or ArenaEvents()
        self.leaderboards = LeaderboardCache()
        self.platforms: dict[str, ChatPlatform] = {}  # attached by the running adapters, by name
        self._scope_defaults: dict[str, dict[str, Any]] = {}
        self._scope_cache: dict[str, tuple[float, ArenaSettings]] = {}
        self._models_cache: tuple[float, list[ModelSettings], IdentityDetector] | None = None
        self._battle_detectors: dict[tuple[str, str], IdentityDetector] = {}  # rebuilt with the registry
        self._bans: dict[str, tuple[float, frozenset[str]]] = {}  # scope key -> its banned members
        # Reads in flight, by cache key: concurrent misses of one key share one read (else every
        # caller waiting at the end of a TTL sends its own, a burst of reads every CACHE_TTL_S).
        # A `forget_*` bumps the key's generation, so a read begun before it is neither joined
        # nor cached.
        self._loading: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self._generation: dict[tuple[str, str], int] = {}
        # Ballot message -> (battle id, scope key): fixed once posted, so votes skip that lookup.
        self._ballots: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
        # Scope key -> permissions the platform refused the bot there, for `/arena doctor`.
        self.permission_problems: dict[str, dict[tuple[str, str], str]] = {}

    def note_missing_permission(self, scope_key: str, missing: MissingPermission) -> bool:
        """Remember a refused permission for the scope's moderators; True the first time."""
        known = self.permission_problems.setdefault(scope_key, {})
        key = (missing.permission, missing.where)
        first = key not in known
        known[key] = missing.moderator_text()
        return first

    # ----- per-scope settings ----------------------------------------------------------------

    def set_scope_defaults(self, scope: Scope, **values: Any) -> None:
        ArenaSettings.model_validate({**self.settings.arena.model_dump(), **values})
        self._scope_defaults[scope.key] = values
        self.forget_settings(scope.key)

    def forget_settings(self, scope_key: str) -> None:
        self._scope_cache.pop(scope_key, None)
        self._forget_loading(("settings", scope_key))

    async def arena_settings(self, scope_key: str) -> ArenaSettings:
        cached = self._scope_cache.get(scope_key)
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1]
        return await self._load_once(("settings", scope_key), lambda: self._load_settings(scope_key))

    async def _load_settings(self, scope_key: str) -> tuple[Callable[[], None], ArenaSettings]:
        overrides = {**self._scope_defaults.get(scope_key, {}), **await self.store.get_settings(scope_key)}
        arena = self.settings.arena
        if overrides:
            try:
                arena = ArenaSettings.model_validate({**arena.model_dump(), **overrides})
            except ValidationError:
                log.warning("ignoring invalid stored settings for %s: %s", scope_key, overrides)

        def keep() -> None:
            self._scope_cache[scope_key] = (time.monotonic(), arena)

        return keep, arena

    # ----- shared reads ----------------------------------------------------------------------

    async def _load_once(self, key: tuple[str, str], load: Callable[[], Any]) -> Any:
        """Run `load()` (which returns (keep, value)) once for all concurrent callers of `key`;
        `keep()` stores the value in its cache unless the key was forgotten meanwhile."""
        future = self._loading.get(key)
        if future is None:
            generation = self._generation.get(key, 0)

            async def run() -> Any:
                keep, value = await load()
                if self._generation.get(key, 0) == generation:
                    keep()
                return value

            future = self._loading[key] = asyncio.ensure_future(run())
            future.add_done_callback(lambda done: self._loading.pop(key, None) if self._loading.get(key) is done else None)
        # One caller cancelled (a shutdown, a timeout) must not cancel the others' read.
        return await asyncio.shield(future)

    def _forget_loading(self, key: tuple[str, str]) -> None:
        self._generation[key] = self._generation.get(key, 0) + 1
        self._loading.pop(key, None)

    # ----- model registry --------------------------------------------------------------------

    async def registry(self) -> tuple[list[ModelSettings], IdentityDetector]:
        cached = self._models_cache
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1], cached[2]
        return await self._load_once(("registry", ""), self._load_registry)

    async def _load_registry(self) -> tuple[Callable[[], None], tuple[list[ModelSettings], IdentityDetector]]:
        models = [record.to_settings() for record in await self.store.list_models()]
        detector = IdentityDetector.for_models(models)

        def keep() -> None:
            self._models_cache = (time.monotonic(), models, detector)
            self._battle_detectors = {}

        return keep, (models, detector)

    async def battle_detector(self, model_a: str, model_b: str) -> IdentityDetector:
        """Names, families and vendors of one battle's two models (for people's thread messages)."""
        await self.registry()  # refreshes the cache below when the registry changed
        key = (model_a, model_b)
        detector = self._battle_detectors.get(key)
        if detector is None:
            detector = IdentityDetector.for_battle([await self.model(model_a), await self.model(model_b)])
            self._battle_detectors[key] = detector
        return detector

    def forget_registry(self) -> None:
        self._models_cache = None
        self._forget_loading(("registry", ""))

    async def model(self, name: str) -> ModelSettings:
        models, _ = await self.registry()
        for model in models:
            if model.name == name:
                return model
        # A model removed from the registry mid-battle: fall back to the config's entry.
        configured = self.settings.model(name)
        if configured is None:
            raise LookupError(f"model {name!r} is not registered")
        return configured

    # ----- bans --------------------------------------------------------------------------------

    async def is_banned(self, scope_key: str, user_ref: str) -> bool:
        """A scope's bans are read whole and cached briefly (a ban made in another process applies
        within seconds): one read per scope per CACHE_TTL_S, however many members are active."""
        cached = self._bans.get(scope_key)
        if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
            return user_ref in cached[1]
        return user_ref in await self._load_once(("bans", scope_key), lambda: self._load_bans(scope_key))

    async def _load_bans(self, scope_key: str) -> tuple[Callable[[], None], frozenset[str]]:
        banned = frozenset(await self.store.banned_members(scope_key))

        def keep() -> None:
            if len(self._bans) > 10_000:
                self._bans.clear()
            self._bans[scope_key] = (time.monotonic(), banned)

        return keep, banned

    def forget_ban(self, scope_key: str, user_ref: str) -> None:
        self._bans.pop(scope_key, None)
        self._forget_loading(("bans", scope_key))

    # ----- ballots -----------------------------------------------------------------------------

    async def ballot_battle(self, platform: ChatPlatform, message_ref: str) -> tuple[int, str] | None:
        key = (platform.name, message_ref)
        found = self._ballots.get(key)
        if found is None:
            battle = await self.store.battle_by_message(platform.name, message_ref)
            if battle is None:
                return None
            found = (battle.id, battle.scope_key)
            self.remember_ballot(key, found)
        return found

    async def battle_scope(self, platform: ChatPlatform, battle_id: int) -> str | None:
        """The scope of this platform's battle `battle_id` (cached: it never changes). Shares the
        ballot cache under "#<id>", a key no platform uses for a message ref."""
        key = (platform.name, f"#{battle_id}")
        found = self._ballots.get(key)
        if found is None:
            battle = await self.store.get_battle(battle_id)
            if battle is None or battle.platform != platform.name:
                return None
            found = (battle.id, battle.scope_key)
            self.remember_ballot(key, found)
        return found[1]

    def remember_ballot(self, key: tuple[str, str], value: tuple[int, str]) -> None:
        self._ballots[key] = value
        if len(self._ballots) > 10_000:
            self._ballots.popitem(last=False)

    # ----- recorded outcomes, each reported to the event listeners ----------------------------

    async def create_battle(self, new: NewBattle) -> BattleRecord:
        battle = await self.store.create_battle(new)
        self.events.battle_started(battle.id)
        return battle

    async def void_battle(self, battle_id: int, reason: str) -> bool:
        changed = await self.store.void_battle(battle_id, reason)
        if changed:
            self.events.battle_voided(battle_id, reason)
        return changed

    async def flag_identity_leak(self, battle_id: int) -> bool:
        flagged = await self.store.flag_identity_leak(battle_id)
        if flagged:
            self.events.identity_leaked(battle_id)
        return flagged

    async def record_vote(
        self,
        battle_id: int,
        voter_ref: str,
        outcome: Outcome | None,
        *,
        event_id: str,
        only_if: Outcome | None = None,
        reveals_names: bool = False,
        close_after: int = 0,
    ) -> VoteResult:
        result = await self.store.record_vote(
            battle_id,
            voter_ref,
            outcome,
            event_id=event_id,
            now=self.now(),
            only_if=only_if,
            reveals_names=reveals_names,
            close_after=close_after,
        )
        self.events.vote_recorded(battle_id, result.status)
        return result

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: Any = None) -> Completion:
        """The hub's completion, reported to the listeners (latency, time to first token, errors)."""
        try:
            completion = await self.hub.complete(model, messages, on_delta)
        except ProviderError as error:
            self.events.completion_failed(model.name, error.kind)
            raise
        except Exception:
            self.events.completion_failed(model.name, "unexpected")
            raise
        self.events.completion_finished(model.name, completion.latency_s, completion.first_token_s)
        return completion
