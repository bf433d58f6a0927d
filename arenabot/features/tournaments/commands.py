"""The tournaments feature's commands: start and stop (moderators), status (anyone)."""

from __future__ import annotations

from arenabot.categories import TOPIC_CATEGORIES
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply

WHERE = ("server", "channel")


async def _start(
    ctx: CommandContext,
    name: str,
    models: str,
    votes: int = 200,
    category: str | None = None,
    ends: str | None = None,
    where: str = "server",
) -> Reply:
    return await ctx.service.tournaments.start(
        ctx.platform, ctx.scope, ctx.channel_ref, ctx.actor, name, models, votes, category, ends, where
    )


async def _status(ctx: CommandContext) -> Reply:
    return await ctx.service.tournaments.status(ctx.scope)


async def _stop(ctx: CommandContext) -> Reply:
    return await ctx.service.tournaments.stop(ctx.platform, ctx.scope, ctx.actor)


COMMANDS = (
    Command(
        ("tournament", "start"),
        "Start a tournament: new battles here are drawn among these models until enough votes",
        _start,
        params=(
            Param("name", "The tournament's name", text="keyword"),
            Param("models", "The entrants, comma-separated", text="keyword"),
            Param(
                "votes",
                "Counted votes to collect",
                kind="int",
                required=False,
                default=200,
                min_value=10,
                max_value=100_000,
                text="keyword",
            ),
            Param("category", "Tag its battles with this category", required=False, choices=TOPIC_CATEGORIES, text="keyword"),
            Param("ends", "When it ends at the latest: a date (2026-12-24) or a duration (7d)", required=False, text="keyword"),
            Param(
                "where",
                "Battles of the whole server or only this channel",
                required=False,
                default="server",
                choices=WHERE,
                text="flag",
            ),
        ),
        moderator=True,
        group_help="Tournaments among chosen models",
    ),
    Command(("tournament", "status"), "The running tournament's standings and the pairs still to separate", _status, public=True),
    Command(("tournament", "stop"), "End the running tournament now and post its standings", _stop, moderator=True),
)

SETTINGS: tuple[ScopeSetting, ...] = ()
