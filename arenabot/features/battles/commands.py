"""The battles feature's commands and per-scope settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arenabot.categories import TOPIC_CATEGORIES
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply, refuse

if TYPE_CHECKING:
    from arenabot.arena import ArenaService


async def _battle(ctx: CommandContext, prompt: str, category: str | None = None) -> Reply:
    return await ctx.service.start_battle(ctx.platform, ctx.scope, ctx.channel_ref, ctx.actor, prompt, category=category)


async def _compare(ctx: CommandContext, model_a: str, model_b: str, prompt: str) -> Reply:
    return await ctx.service.compare(ctx.platform, ctx.scope, ctx.channel_ref, ctx.actor, model_a, model_b, prompt)


async def _again(ctx: CommandContext, battle: str | None = None) -> Reply:
    battle = battle or ctx.thread_ref
    if not battle:
        return refuse("Run `again` in a battle's thread, or name the battle, e.g. `again #42`.")
    return await ctx.service.again(ctx.platform, ctx.actor, ctx.scope, battle)


async def _enabled_model_names(service: ArenaService, typed: str) -> list[str]:
    models, _ = await service.state.registry()
    return [m.name for m in models if m.enabled and m.name.lower().startswith(typed.lower())]


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
    Command(
        ("compare",),
        "Side by side: two models you pick answer your prompt, names shown (named leaderboard)",
        _compare,
        params=(
            Param("model_a", "The first model", suggest=_enabled_model_names),
            Param("model_b", "The second model", suggest=_enabled_model_names),
            Param("prompt", "What to ask both models", text="rest"),
        ),
        opens_thread=True,
        details="votes count on `leaderboard mode=named` only, never on the anonymous boards",
    ),
    Command(
        ("again",),
        "New round: the same prompt to two newly drawn anonymous models (after you voted)",
        _again,
        params=(Param("battle", "Battle number like 42; leave empty inside the battle's thread", kind="battle", required=False),),
        opens_thread=True,
        details="also the ballot's new-round control; once you voted, you may also keep chatting in the old thread (up to {max_chat_turns} turns)",
    ),
)

SETTINGS = tuple(
    ScopeSetting(key)
    for key in (
        "battle_window_minutes",
        "max_turns",
        "max_chat_turns",
        "rate_limit_battles",
        "rate_limit_minutes",
        "max_prompt_chars",
        "new_model_battles",
        "new_model_boost",
    )
)
