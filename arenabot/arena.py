"""The platform-neutral arena: `ArenaService` composes the features (arenabot/features/) over
one shared state and one middleware chain.

Adapters turn platform events into calls on `ArenaService` and show the `Reply` it returns; the
service talks back to the platform only through `ChatPlatform`. All state lives in the store,
so several processes (Discord shards, Slack workers, the console) can share one database.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import datetime

from arenabot.chatcommands.help import TEXT, help_text
from arenabot.chatcommands.spec import HelpStyle
from arenabot.config import Settings
from arenabot.domain import Actor, Scope
from arenabot.events import ArenaEvents
from arenabot.features import FEATURES, SCOPE_SETTING_KEYS, build_registry, scope_settings
from arenabot.features.battles import Battles, RateLimit
from arenabot.features.boards import Boards
from arenabot.features.contentmod import ContentModeration, PromptCheck
from arenabot.features.moderation import BanCheck, Moderation
from arenabot.features.publishing import Publishing
from arenabot.features.shared import ArenaState, utcnow
from arenabot.features.tournaments import Tournaments
from arenabot.features.voters import VoterQuality, Voters
from arenabot.features.voting import Voting
from arenabot.middleware import MiddlewareChain
from arenabot.ops.readiness import Readiness
from arenabot.ports import ChatPlatform
from arenabot.providers import ProviderHub
from arenabot.replies import Reply
from arenabot.scheduling import PeriodicJob
from arenabot.storage import Store

__all__ = ["ArenaService", "Reply", "SCOPE_SETTING_KEYS"]


class ArenaService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        hub: ProviderHub,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.state = ArenaState(settings, store, hub, rng=rng, clock=clock)
        self.content = ContentModeration(self.state)
        # Around start_battle, follow_up, vote and unvote; the supervisor adds its shutdown gate.
        # The content check comes last: no endpoint call for a banned or rate-limited member.
        self.middleware = MiddlewareChain(
            [BanCheck(self.state), RateLimit(self.state), VoterQuality(self.state), PromptCheck(self.content)]
        )
        self.battles = Battles(self.state, self.middleware, screen_for=self.content.screen_for)
        self.voting = Voting(self.state, self.middleware, self.battles)
        self.voter_scores = Voters(self.state)
        self.boards = Boards(self.state, self.voter_scores)
        self.publishing = Publishing(self.state, self.boards)
        self.scope_settings = scope_settings(FEATURES)
        self.moderation = Moderation(self.state, self.battles, [s.key for s in self.scope_settings])
        self.tournaments = Tournaments(self.state)
        self.battles.add_draw_rule(self.tournaments.draw)  # a running tournament narrows the draw
        self.commands = build_registry(FEATURES)
        self.readiness = Readiness()  # adapters report their connection; /readyz reads it

        # The entry points adapters call, each owned by one feature.
        self.start_battle = self.battles.start_battle
        self.compare = self.battles.compare
        self.again = self.battles.again_in
        self.new_round = self.battles.new_round
        self.new_round_on_ballot = self.battles.new_round_on_ballot
        self.follow_up = self.battles.follow_up
        self.sweep = self.battles.sweep
        self.drain = self.battles.drain
        self.vote = self.voting.vote
        self.unvote = self.voting.unvote
        self.vote_on_battle = self.voting.vote_on_battle
        self.leaderboard = self.boards.leaderboard
        self.models_overview = self.boards.models_overview
        self.board_as_of = self.publishing.board_as_of
        self.list_voters = self.voter_scores.list_flagged
        self.add_model = self.moderation.add_model
        self.set_model_enabled = self.moderation.set_model_enabled
        self.set_model_weight = self.moderation.set_model_weight
        self.set_model_targets = self.moderation.set_model_targets
        self.ban = self.moderation.ban
        self.unban = self.moderation.unban
        self.close_battle = self.moderation.close_battle
        self.void_battle = self.moderation.void_battle
        self.export_battles = self.moderation.export_battles
        self.import_battles = self.moderation.import_battles
        self.set_setting = self.moderation.set_setting
        self.set_scope_defaults = self.state.set_scope_defaults
        self.arena_settings = self.state.arena_settings
        self.is_banned = self.state.is_banned
        self.now = self.state.now  # the service clock (tests drive it)

    async def stats(self, scope: Scope, actor: Actor | None = None) -> Reply:
        """The scope's statistics; moderators also see the content moderation counts."""
        reply = await self.boards.stats(scope)
        if actor is None or not actor.is_moderator:
            return reply
        return dataclasses.replace(reply, text=reply.text + f"\n- {self.content.counts_line(scope.key)}")

    async def close(self) -> None:
        """Release what the service itself holds (the moderation endpoint's connections)."""
        await self.content.close()

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def hub(self) -> ProviderHub:
        return self.state.hub

    @property
    def events(self) -> ArenaEvents:
        return self.state.events

    def attach_platform(self, platform: ChatPlatform) -> None:
        """A running adapter's platform: the scheduler sweeps it, shutdown notices go through it."""
        self.state.platforms[platform.name] = platform

    def detach_platform(self, platform: ChatPlatform) -> None:
        if self.state.platforms.get(platform.name) is platform:
            del self.state.platforms[platform.name]

    def platform(self, name: str) -> ChatPlatform | None:
        return self.state.platforms.get(name)

    def periodic_jobs(self) -> list[PeriodicJob]:
        """Every feature's periodic work; the process supervisor's scheduler runs it."""
        return self.battles.periodic_jobs() + self.publishing.periodic_jobs() + self.tournaments.periodic_jobs()

    def help_text(self, moderator: bool = True, style: HelpStyle = TEXT) -> str:
        return help_text(self.commands, self.scope_settings, self.settings.arena, moderator=moderator, style=style)
