"""The /arena slash command group: members' commands and moderators' commands.

Every handler defers first (Discord's 3-second deadline), then calls the core and shows its
Reply. Permission checks live in the core (`Actor.is_moderator`, decided in `actors.py`), so a
member running a moderator command gets the core's private refusal.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal, get_args

import discord
from discord import app_commands

from adapters.discord.actors import actor_for_interaction, scope_for
from adapters.discord.responses import defer, respond
from arenabot.arena import SCOPE_SETTING_KEYS
from arenabot.categories import TOPIC_CATEGORIES
from arenabot.config import ProviderName
from arenabot.domain import Actor, Scope
from arenabot.replies import Reply

if TYPE_CHECKING:
    from adapters.discord.client import ArenaClient

log = logging.getLogger(__name__)

_NEEDS_TEXT_CHANNEL = "Battles need a thread; run `/arena battle` in a text channel (or a forum) of this server."
_BATTLE_FAILED = "Sorry, the battle could not start because of a problem on our side. Please try again in a moment."
_CATEGORY_CHOICES = [app_commands.Choice(name=c.replace("_", " "), value=c) for c in TOPIC_CATEGORIES]
_SETTING_CHOICES = [app_commands.Choice(name=k, value=k) for k in SCOPE_SETTING_KEYS]
_PROVIDERS = [app_commands.Choice(name=p, value=p) for p in get_args(ProviderName)]


class ArenaCommands(app_commands.Group):
    """/arena ... (guild only: battles, votes and boards belong to a server)."""

    model = app_commands.Group(name="model", description="Moderators: manage the models in the arena")

    def __init__(self, client: "ArenaClient") -> None:
        super().__init__(name="arena", description="Chatbot Arena: blind battles between two anonymous models", guild_only=True)
        self.client = client

    # ----- helpers -------------------------------------------------------------------------------
    def _actor(self, interaction: discord.Interaction) -> Actor:
        return actor_for_interaction(interaction, self.client.settings.discord.moderator_role)

    def _scope(self, interaction: discord.Interaction) -> Scope:
        assert interaction.guild_id is not None  # guild_only
        return scope_for(interaction.guild_id)

    async def _battle_ref(self, interaction: discord.Interaction, given: str | None) -> str:
        """The battle a moderator means: the option, else the battle whose thread this is.

        The core reads an all-digit ref as a battle number, and Discord thread ids are digits
        too, so the thread is resolved here and handed over as "#<number>".
        """
        if given:
            return given
        thread_ref = str(interaction.channel_id)
        battle = await self._service.store.battle_by_thread(self._platform.name, thread_ref)
        return f"#{battle.id}" if battle is not None else thread_ref

    @property
    def _service(self):
        return self.client.service

    @property
    def _platform(self):
        return self.client.platform

    # ----- members ---------------------------------------------------------------------------------
    @app_commands.command(description="Start a blind battle: two anonymous models answer your prompt")
    @app_commands.describe(prompt="What to ask both models", category="Optional category for the leaderboards")
    @app_commands.choices(category=_CATEGORY_CHOICES)
    async def battle(self, interaction: discord.Interaction, prompt: str, category: str | None = None) -> None:
        await defer(interaction, public=False)
        if not isinstance(interaction.channel, (discord.TextChannel, discord.Thread, discord.ForumChannel)):
            await respond(interaction, Reply(_NEEDS_TEXT_CHANNEL, ok=False, private=True), public=False)
            return
        actor, scope = self._actor(interaction), self._scope(interaction)
        channel_ref = str(interaction.channel_id)

        async def run() -> None:
            try:
                reply = await self._service.start_battle(self._platform, scope, channel_ref, actor, prompt, category=category)
            except Exception:
                log.exception("battle failed to start")
                reply = Reply(_BATTLE_FAILED, ok=False, private=True)
            await respond(interaction, reply, public=False)

        self.client.spawn(run(), name=f"battle by {actor.user_ref}")

    @app_commands.command(description="Show the leaderboard (ratings with 95% confidence intervals)")
    @app_commands.describe(category="Only battles of this category", scope="This server or all servers", top="How many models")
    @app_commands.choices(category=_CATEGORY_CHOICES)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        category: str | None = None,
        scope: Literal["server", "global"] = "server",
        top: app_commands.Range[int, 1, 50] = 20,
    ) -> None:
        await defer(interaction, public=True)
        reply = await self._service.leaderboard(self._scope(interaction), category=category, global_=scope == "global", top=top)
        await respond(interaction, reply, public=True)

    @app_commands.command(description="List the models in the arena")
    async def models(self, interaction: discord.Interaction) -> None:
        await defer(interaction, public=True)
        await respond(interaction, await self._service.models_overview(self._scope(interaction)), public=True)

    @app_commands.command(description="Battle and vote statistics")
    async def stats(self, interaction: discord.Interaction) -> None:
        await defer(interaction, public=True)
        await respond(interaction, await self._service.stats(self._scope(interaction)), public=True)

    @app_commands.command(description="How the arena works")
    async def help(self, interaction: discord.Interaction) -> None:
        await defer(interaction, public=False)
        await respond(interaction, Reply(self._service.help_text(), private=True), public=False)

    # ----- moderators: models ---------------------------------------------------------------------
    @model.command(name="add", description="Moderators: add a model")
    @app_commands.describe(
        name="Name shown on reveal and leaderboards",
        provider="Backend",
        model_id="The provider's model identifier",
        base_url="API base URL (OpenAI-compatible servers)",
        api_key_env="Name of the environment variable holding the API key",
        weight="Relative sampling weight",
    )
    @app_commands.choices(provider=_PROVIDERS)
    async def model_add(
        self,
        interaction: discord.Interaction,
        name: str,
        provider: str,
        model_id: str,
        base_url: str | None = None,
        api_key_env: str | None = None,
        weight: app_commands.Range[float, 0.0, 1000.0] = 1.0,
    ) -> None:
        await defer(interaction, public=False)
        reply = await self._service.add_model(
            self._actor(interaction), name, provider, model_id, base_url=base_url, api_key_env=api_key_env, weight=weight
        )
        await respond(interaction, reply, public=False)

    @model.command(name="enable", description="Moderators: let a model be sampled")
    async def model_enable(self, interaction: discord.Interaction, name: str) -> None:
        await defer(interaction, public=False)
        await respond(interaction, await self._service.set_model_enabled(self._actor(interaction), name, True), public=False)

    @model.command(name="disable", description="Moderators: stop sampling a model")
    async def model_disable(self, interaction: discord.Interaction, name: str) -> None:
        await defer(interaction, public=False)
        await respond(interaction, await self._service.set_model_enabled(self._actor(interaction), name, False), public=False)

    @model.command(name="weight", description="Moderators: set a model's sampling weight")
    async def model_weight(self, interaction: discord.Interaction, name: str, weight: app_commands.Range[float, 0.0, 1000.0]) -> None:
        await defer(interaction, public=False)
        await respond(interaction, await self._service.set_model_weight(self._actor(interaction), name, weight), public=False)

    # ----- moderators: people, battles, data --------------------------------------------------------
    @app_commands.command(description="Moderators: ban a member from battles and votes")
    async def ban(self, interaction: discord.Interaction, user: discord.User, reason: str = "") -> None:
        await defer(interaction, public=False)
        reply = await self._service.ban(self._actor(interaction), self._scope(interaction), str(user.id), reason)
        await respond(interaction, reply, public=False)

    @app_commands.command(description="Moderators: lift a ban")
    async def unban(self, interaction: discord.Interaction, user: discord.User) -> None:
        await defer(interaction, public=False)
        reply = await self._service.unban(self._actor(interaction), self._scope(interaction), str(user.id))
        await respond(interaction, reply, public=False)

    @app_commands.command(description="Moderators: close a battle now and reveal the models")
    @app_commands.describe(battle="Battle number like 42; leave empty inside the battle's thread")
    async def close(self, interaction: discord.Interaction, battle: str | None = None) -> None:
        await defer(interaction, public=False)
        reply = await self._service.close_battle(
            self._platform, self._actor(interaction), await self._battle_ref(interaction, battle), scope=self._scope(interaction)
        )
        await respond(interaction, reply, public=False)

    @app_commands.command(description="Moderators: void a battle so its votes never count")
    @app_commands.describe(battle="Battle number like 42; leave empty inside the battle's thread")
    async def void(self, interaction: discord.Interaction, battle: str | None = None, reason: str = "") -> None:
        await defer(interaction, public=False)
        reply = await self._service.void_battle(
            self._platform, self._actor(interaction), await self._battle_ref(interaction, battle), reason, scope=self._scope(interaction)
        )
        await respond(interaction, reply, public=False)

    @app_commands.command(description="Moderators: download the battles as Chatbot Arena clean_battle JSON")
    async def export(self, interaction: discord.Interaction, scope: Literal["server", "global"] = "server") -> None:
        await defer(interaction, public=False)
        reply = await self._service.export_battles(self._actor(interaction), self._scope(interaction), global_=scope == "global")
        await respond(interaction, reply, public=False)

    @app_commands.command(name="import", description="Moderators: import clean_battle JSON records")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        await defer(interaction, public=False)
        actor = self._actor(interaction)
        if not actor.is_moderator:  # do not download anything for someone who may not import
            data = b""
        else:
            data = await file.read()
        reply = await self._service.import_battles(actor, self._scope(interaction), data)
        await respond(interaction, reply, public=False)

    @app_commands.command(description="Moderators: change an arena setting for this server")
    @app_commands.choices(key=_SETTING_CHOICES)
    async def settings(self, interaction: discord.Interaction, key: str, value: str) -> None:
        await defer(interaction, public=False)
        reply = await self._service.set_setting(self._actor(interaction), self._scope(interaction), key, value)
        await respond(interaction, reply, public=False)
