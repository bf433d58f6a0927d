"""The voter-quality feature's command (`voters`, moderators) and per-scope settings."""

from __future__ import annotations

from arenabot.chatcommands.spec import Command, CommandContext, ScopeSetting
from arenabot.replies import Reply


async def _voters(ctx: CommandContext) -> Reply:
    return await ctx.service.list_voters(ctx.actor, ctx.scope)


COMMANDS = (
    Command(
        ("voters",),
        "List voters whose votes disagree with the board far more than chance (anomalous)",
        _voters,
        moderator=True,
    ),
)

SETTINGS = tuple(
    ScopeSetting(key) for key in ("max_votes_per_day", "min_account_age_days", "min_member_age_days", "exclude_flagged")
)
