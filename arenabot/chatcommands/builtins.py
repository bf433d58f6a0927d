"""Commands that belong to no single feature because they span them all: help and settings."""

from __future__ import annotations

from collections.abc import Sequence

from arenabot.chatcommands.help import TEXT
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply


async def _help(ctx: CommandContext) -> Reply:
    style = ctx.help_style or TEXT
    return Reply(ctx.service.help_text(moderator=ctx.actor.is_moderator, style=style), private=True)


async def _set(ctx: CommandContext, key: str, value: str) -> Reply:
    return await ctx.service.set_setting(ctx.actor, ctx.scope, key, value)


def builtin_commands(settings: Sequence[ScopeSetting]) -> tuple[Command, ...]:
    return (
        Command(("help",), "How the arena works and every command", _help),
        Command(
            ("set",),
            "Change an arena setting for this server or workspace",
            _set,
            params=(
                Param("key", "Which setting", choices=tuple(s.key for s in settings)),
                Param("value", "Its new value", text="rest"),
            ),
            moderator=True,
            discord_name="settings",  # the name Discord servers already have registered
        ),
    )
