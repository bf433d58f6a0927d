"""The Discord client: intents, one-time command sync, reaction and button votes, thread follow-ups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord import endpoints
from adapters.discord.actors import actor_for
from adapters.discord.buttons import NewRoundButton, VoteButton
from adapters.discord.commands import CommandRunner, build_command_tree
from adapters.discord.pacing import EditPacer
from adapters.discord.platform import DiscordPlatform, message_ref
from adapters.discord.reactions import install_dispatch_keys, is_new_round, outcome_for, reaction_event_id
from adapters.discord.secret import SECRET_BALLOT_NOTE, SecretBallot
from adapters.discord.sync import sync_if_changed
from arenabot.config import Settings
from arenabot.domain import Actor

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

log = logging.getLogger(__name__)


def arena_intents(message_content: bool) -> discord.Intents:
    """Only what the arena uses (see docs/discord.md).

    guilds: channels, threads and roles (moderator role check); guild_messages: follow-ups in
    battle threads; guild_reactions: votes. message_content (privileged) lets follow-ups be
    plain messages; without it a follow-up must mention the bot, whose mentions Discord always
    delivers with content.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.message_content = message_content
    return intents


class ArenaClient(discord.AutoShardedClient):
    def __init__(
        self,
        settings: Settings,
        service: ArenaService,
        *,
        edit_interval: float = 1.0,
        message_content: bool = True,
        sync_commands: bool | None = None,
        **client_options: Any,
    ) -> None:
        config = settings.discord
        super().__init__(
            intents=arena_intents(message_content),
            shard_ids=config.shard_ids,  # type: ignore[arg-type]  # None means "all shards" at run time; the typed options omit it
            shard_count=config.shard_count,
            max_messages=None,  # votes read raw events; no message cache needed
            allowed_mentions=discord.AllowedMentions.none(),  # model output must never ping anyone
            **client_options,
        )
        self.settings = settings
        self.service = service
        self.platform = DiscordPlatform(self, EditPacer(edit_interval))
        self.secret_ballot = SecretBallot(self)
        self.tree = app_commands.CommandTree(self)
        runner = CommandRunner(self)
        for group in build_command_tree(service.commands, runner, runner.autocomplete, moderator_group=config.moderator_group):
            self.tree.add_command(group)
        self.tree.error(self._on_command_error)
        # With several processes, the one running shard 0 (or all shards) registers commands.
        self._sync_commands = sync_commands if sync_commands is not None else (not config.shard_ids or 0 in config.shard_ids)
        self._tasks: set[asyncio.Task[Any]] = set()

    # ----- lifecycle ----------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        """Runs once per login, never on gateway reconnects or resumes."""
        install_dispatch_keys(self)
        # Ballot buttons are recognised by their custom id, whichever process posted them.
        self.add_dynamic_items(VoteButton, NewRoundButton)
        if self.settings.discord.api_base:
            await endpoints.follow_advertised_gateway(self)
        if self._sync_commands:
            await sync_if_changed(self, self.tree, self.settings.discord.dev_guild_id)
        # The supervisor's scheduler sweeps this platform's expired battles from now on.
        self.service.attach_platform(self.platform)

    # /readyz (arenabot.ops) asks whether the gateway is up: the service's readiness tells it.
    async def on_ready(self) -> None:
        self._report_connected(True)

    async def on_resumed(self) -> None:
        self._report_connected(True)

    async def on_disconnect(self) -> None:
        self._report_connected(False)

    def _report_connected(self, connected: bool) -> None:
        self.service.readiness.report("discord", connected)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run work after the event handler returns, keeping a reference so it is not collected."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        self.service.detach_platform(self.platform)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().close()

    async def _on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("slash command failed", exc_info=error)
        text = "Something went wrong on our side; please try again."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass

    # ----- votes ----------------------------------------------------------------------------------
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._on_reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._on_reaction(payload, added=False)

    async def _on_reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        if payload.guild_id is None or self.user is None or payload.user_id == self.user.id:
            return  # DMs, and the bot's own ballot reactions
        if added and is_new_round(payload.emoji):
            await self._on_new_round_reaction(payload)
            return
        outcome = outcome_for(payload.emoji)
        if outcome is None:
            return
        # Add events carry the member; removes do not, and a bot never has a counted vote to remove.
        known = payload.member or self.get_user(payload.user_id)
        if known is not None and known.bot:
            return
        actor = Actor(
            user_ref=str(payload.user_id),
            display_name=known.display_name if known else "",
            # Voter-quality facts: the id is a snowflake holding the account's creation time.
            account_created_at=discord.utils.snowflake_time(payload.user_id),
            joined_at=known.joined_at if isinstance(known, discord.Member) else None,
        )
        ref = message_ref(payload.channel_id, payload.message_id)
        event_id = reaction_event_id(payload, added)
        if not added:
            if self.secret_ballot.caused(payload, event_id):
                return  # the bot hid a stored vote's reaction: not a withdrawal
            reply = await self.service.unvote(self.platform, ref, actor, outcome, event_id)
            if reply is not None and not reply.ok:
                await self.platform.notify(actor.user_ref, str(payload.channel_id), reply.text)
            return
        reply = await self.service.vote(self.platform, ref, actor, outcome, event_id)
        if reply is None:
            return  # not a ballot, or a replayed event already handled (and hidden) once
        if await self.secret_ballot.conceal(payload):
            # The reaction is gone, so the voter learns what was stored only from us, privately.
            text = f"{reply.text}\n{SECRET_BALLOT_NOTE}" if reply.ok else reply.text
            await self.platform.notify(actor.user_ref, str(payload.channel_id), text, withdraw_battle=reply.withdraw_battle)
        elif not reply.ok:  # e.g. banned, or the battle is void: say so privately
            await self.platform.notify(actor.user_ref, str(payload.channel_id), reply.text)

    async def _on_new_round_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        known = payload.member or self.get_user(payload.user_id)
        if known is None or known.bot:
            return
        actor = Actor(user_ref=str(payload.user_id), display_name=known.display_name)
        ref = message_ref(payload.channel_id, payload.message_id)
        reply = await self.service.new_round_on_ballot(self.platform, ref, actor, reaction_event_id(payload, True))
        if reply is not None and not reply.ok:  # e.g. not voted yet, or rate limited: say so privately
            await self.platform.notify(actor.user_ref, str(payload.channel_id), reply.text)

    # ----- follow-ups -------------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        if not isinstance(message.channel, (discord.Thread, discord.PartialMessageable)):
            return  # battles live in threads; an uncached thread arrives as a partial channel
        text = message.content
        if self.user is not None:
            text = text.replace(f"<@{self.user.id}>", "").replace(f"<@!{self.user.id}>", "")
        text = text.strip()
        if not text:
            return  # no content intent and no mention: nothing we can read
        actor = actor_for(message.author, self.settings.discord.moderator_role)
        thread_ref = str(message.channel.id)

        async def run() -> None:
            reply = await self.service.follow_up(self.platform, thread_ref, actor, text)
            if reply is not None and not reply.ok:
                if reply.private:  # a plain message has no ephemeral answer: a DM keeps it private
                    await self.platform.notify(actor.user_ref, thread_ref, reply.text)
                else:
                    await message.reply(reply.text, mention_author=False)

        self.spawn(run(), name=f"follow-up in {thread_ref}")
