"""The /arena slash commands, generated from the core's command registry.

`build_command_tree` turns each registry `Command` into a discord.py app command: its group,
options with types, choices, autocomplete and descriptions. `CommandRunner` answers them: it
defers first (Discord's 3-second deadline), then calls the core and shows its Reply.
Moderator commands live in a top-level group of their own (`[discord] moderator_group`,
/arena-admin by default) whose `default_member_permissions` is Manage Server, so Discord hides
them from members; Discord honours that only on top-level commands. The core still decides
(`Actor.is_moderator`, in `actors.py`): a server may open the group to anyone in its
Integrations settings, and a member who runs one then gets the core's private refusal.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Optional

import discord
from discord import app_commands

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, CommandContext, HelpStyle, Param, Suggest, choice_label
from arenabot.replies import Reply

from .actors import actor_for_interaction, scope_for
from .responses import defer, respond

if TYPE_CHECKING:
    from .client import ArenaClient

log = logging.getLogger(__name__)

SURFACE = "discord"
ROOT = "arena"
ROOT_HELP = "Chatbot Arena: blind battles between two anonymous models"
MODERATOR_HELP = "Chatbot Arena moderation"
_NEEDS_TEXT_CHANNEL = "Battles need a thread; run `/arena battle` in a text channel (or a forum) of this server."
_BATTLE_FAILED = "Sorry, the battle could not start because of a problem on our side. Please try again in a moment."
_PARAM = inspect.Parameter.POSITIONAL_OR_KEYWORD

Run = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]
Autocomplete = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]


def _annotation(param: Param) -> Any:
    if param.kind == "user":
        kind: Any = discord.User
    elif param.kind == "file":
        kind = discord.Attachment
    elif param.kind in ("int", "float"):
        number = int if param.kind == "int" else float
        low, high = param.min_value, param.max_value
        kind = app_commands.Range[number, low, high] if low is not None or high is not None else number
    else:
        kind = str
    return kind if param.required else Optional[kind]  # noqa: UP045 (discord.py reads typing.Optional)


def _callback(command: Command, run: Run, autocomplete: Callable[[Suggest], Autocomplete]) -> Callable[..., Awaitable[None]]:
    """A coroutine whose signature lists the command's options, as discord.py reads them."""

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(interaction, command, values)

    params = sorted(command.params, key=lambda p: not p.required)  # Discord lists required options first
    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("interaction", _PARAM, annotation=discord.Interaction)]
        + [
            inspect.Parameter(p.name, _PARAM, annotation=_annotation(p), default=inspect.Parameter.empty if p.required else None)
            for p in params
        ]
    )
    decorated: Any = callback
    if command.params:
        decorated = app_commands.describe(**{p.name: p.help for p in command.params})(decorated)
    choices = {
        p.name: [app_commands.Choice(name=choice_label(c), value=c) for c in p.choices] for p in command.params if p.choices
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    suggested: dict[str, Any] = {
        p.name: autocomplete(p.suggest) for p in command.params if p.suggest is not None and not p.choices
    }
    if suggested:
        decorated = app_commands.autocomplete(**suggested)(decorated)
    return decorated


def _description(command: Command) -> str:
    return ("Moderators: " if command.moderator else "") + command.help


def _option_usage(param: Param) -> str:
    # Discord's picker lists the choices; the help stays short enough for one message.
    return f"{param.name}:..." if param.required else f"[{param.name}:...]"


def discord_help_style(moderator_group: str) -> HelpStyle:
    """The help text names commands as members type them here: `/arena-admin close [battle:...]`."""

    def usage(command: Command) -> str:
        root = moderator_group if command.moderator and moderator_group else ROOT
        words = [f"/{root}", *command.path[:-1], command.discord_name or command.path[-1]]
        params = sorted(command.params, key=lambda p: not p.required)  # as Discord lists them
        return " ".join(words + [_option_usage(p) for p in params])

    return HelpStyle(SURFACE, usage)


def build_command_tree(
    registry: CommandRegistry,
    run: Run,
    autocomplete: Callable[[Suggest], Autocomplete],
    *,
    moderator_group: str,
) -> list[app_commands.Group]:
    """The top-level groups: /arena with the members' commands and `/<moderator_group>` (Manage
    Server by default) with the moderators' ones; or /arena with every command when it is ""."""
    arena = app_commands.Group(name=ROOT, description=ROOT_HELP, guild_only=True)
    roots = [arena]
    moderators = arena
    if moderator_group:
        moderators = app_commands.Group(
            name=moderator_group,
            description=MODERATOR_HELP,
            guild_only=True,
            default_permissions=discord.Permissions(manage_guild=True),
        )
        roots.append(moderators)
    subgroups: dict[tuple[str, str], app_commands.Group] = {}
    for command in registry.for_surface(SURFACE):
        parent = moderators if command.moderator else arena
        if len(command.path) == 2:
            key = (parent.name, command.path[0])
            if key not in subgroups:
                helps = [c.group_help for c in registry.group(command.path[0], SURFACE) if c.group_help]
                description = ("Moderators: " if command.moderator and parent is arena else "") + (
                    helps[0] if helps else command.path[0]
                )
                subgroups[key] = app_commands.Group(name=command.path[0], description=description, parent=parent)
            parent = subgroups[key]
        callback: Any = _callback(command, run, autocomplete)  # its signature is built at run time
        slash: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=command.discord_name or command.path[-1],
            description=_description(command) if parent is arena or parent.parent is arena else command.help,
            callback=callback,
            parent=parent,
        )
        parent.add_command(slash)
    return roots


class CommandRunner:
    """Runs a registry command for an interaction on `client`."""

    def __init__(self, client: ArenaClient):
        self.client = client
        self.help_style = discord_help_style(client.settings.discord.moderator_group)

    def autocomplete(self, suggest: Suggest) -> Autocomplete:
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            names = await suggest(self.client.service, current)
            return [app_commands.Choice(name=n, value=n) for n in names[:25]]

        return complete

    async def __call__(self, interaction: discord.Interaction, command: Command, values: dict[str, Any]) -> None:
        await defer(interaction, public=command.public)
        if command.opens_thread and not isinstance(
            interaction.channel, (discord.TextChannel, discord.Thread, discord.ForumChannel)
        ):
            await respond(interaction, Reply(_NEEDS_TEXT_CHANNEL, ok=False, private=True), public=False)
            return
        assert interaction.guild_id is not None  # guild_only
        actor = actor_for_interaction(interaction, self.client.settings.discord.moderator_role)
        here = str(interaction.channel_id)
        ctx = CommandContext(
            self.client.service,
            self.client.platform,
            scope_for(interaction.guild_id),
            here,
            actor,
            thread_ref=here,
            help_style=self.help_style,
        )
        arguments: dict[str, Any] = {}
        for param in command.params:
            value = values.get(param.name)
            if value is None:
                continue  # the handler's default applies
            if param.kind == "user":
                value = str(value.id)
            elif param.kind == "file":
                # Nothing is downloaded for someone who may not run the command.
                value = await value.read() if actor.is_moderator or not command.moderator else b""
            arguments[param.name] = value
        if command.opens_thread:
            self.client.spawn(self._run_long(interaction, command, ctx, arguments), name=f"{command.name} by {actor.user_ref}")
            return
        await respond(interaction, await command.call(ctx, **arguments), public=command.public)

    async def _run_long(
        self, interaction: discord.Interaction, command: Command, ctx: CommandContext, arguments: dict[str, Any]
    ) -> None:
        try:
            reply = await command.call(ctx, **arguments)
        except Exception:
            log.exception("%s failed to start", command.name)
            reply = Reply(_BATTLE_FAILED, ok=False, private=True)
        await respond(interaction, reply, public=command.public)
