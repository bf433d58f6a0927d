"""The boards feature's commands: leaderboard, models, stats."""

from __future__ import annotations

from arenabot.categories import TOPIC_CATEGORIES
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply
from arenabot.storage import BOARD_MODES

SCOPE_CHOICES = ("server", "global")


async def _leaderboard(
    ctx: CommandContext,
    category: str | None = None,
    scope: str = "server",
    top: int = 20,
    mode: str = "anonymous",
    style: str = "off",
) -> Reply:
    return await ctx.service.leaderboard(
        ctx.scope, category=category, global_=scope == "global", top=top, mode=mode, style=style == "on"
    )


async def _models(ctx: CommandContext) -> Reply:
    return await ctx.service.models_overview(ctx.scope, ctx.actor)


async def _stats(ctx: CommandContext) -> Reply:
    return await ctx.service.stats(ctx.scope)


COMMANDS = (
    Command(
        ("leaderboard",),
        "Show the leaderboard (ratings with 95% confidence intervals)",
        _leaderboard,
        params=(
            Param("category", "Only battles of this category", required=False, choices=TOPIC_CATEGORIES),
            Param("scope", "This server or all servers", required=False, default="server", choices=SCOPE_CHOICES, text="flag"),
            Param("top", "How many models", kind="int", required=False, default=20, min_value=1, max_value=50, text="keyword"),
            Param(
                "mode",
                "Blind battles (anonymous) or side-by-side ones (named)",
                required=False,
                default="anonymous",
                choices=BOARD_MODES,
                text="keyword",
            ),
            Param(
                "style",
                "Style control: rate the answers with their length and markdown held equal",
                required=False,
                default="off",
                choices=("off", "on"),
                text="keyword",
            ),
        ),
        public=True,
    ),
    Command(("models",), "List the models in the arena", _models, public=True),
    Command(("stats",), "Battle and vote statistics", _stats, public=True),
)

SETTINGS: tuple[ScopeSetting, ...] = ()
