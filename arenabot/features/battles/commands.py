"""The battles feature's commands and per-scope settings."""

from __future__ import annotations

from arenabot.categories import TOPIC_CATEGORIES
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply


async def _battle(ctx: CommandContext, prompt: str, category: str | None = None) -> Reply:
    return await ctx.service.start_battle(ctx.platform, ctx.scope, ctx.channel_ref, ctx.actor, prompt, category=category)


COMMANDS = (
    Command(
        ("battle",),
        "Start a blind battle: two anonymous models answer your prompt",
        _battle,
        params=(
            Param("category", "Optional category for the leaderboards", required=False, choices=TOPIC_CATEGORIES, text="keyword"),
            Param("prompt", "What to ask both models", text="rest"),
        ),
        opens_thread=True,
        details="vote on the ballot; reply in its thread to continue both conversations (up to {max_turns} turns, until the first vote)",
    ),
)

SETTINGS = tuple(
    ScopeSetting(key)
    for key in (
        "battle_window_minutes",
        "max_turns",
        "rate_limit_battles",
        "rate_limit_minutes",
        "max_prompt_chars",
        "new_model_battles",
        "new_model_boost",
    )
)
