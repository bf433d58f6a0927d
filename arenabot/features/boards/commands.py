"""The boards feature's commands: leaderboard, models, stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arenabot.categories import KNOWN_CATEGORIES, TOPIC_CATEGORIES
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply
from arenabot.storage import BOARD_MODES

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

SCOPE_CHOICES = ("server", "global")
# Which board: every command that shows or posts one takes it the same way.
MODE = Param(
    "mode",
    "Blind battles (anonymous) or side-by-side ones (named)",
    required=False,
    default="anonymous",
    choices=BOARD_MODES,
    text="keyword",
)


async def _leaderboard(
    ctx: CommandContext,
    category: str | None = None,
    scope: str = "server",
    top: int = 20,
    mode: str = "anonymous",
    as_of: str | None = None,
    style: str = "off",
) -> Reply:
    if as_of:  # a board as it was published (the publishing feature keeps the snapshots)
        return await ctx.service.board_as_of(ctx.scope, as_of, category=category, global_=scope == "global", mode=mode)
    return await ctx.service.leaderboard(
        ctx.scope, category=category, global_=scope == "global", top=top, mode=mode, style=style == "on"
    )


async def category_names(service: ArenaService, typed: str) -> list[str]:
    """Discord autocomplete: categories that have battles anywhere first, then the task categories."""
    counted = await service.store.category_counts(None)
    names = sorted((c for c in counted if c), key=lambda c: -counted[c]) + [c for c in TOPIC_CATEGORIES if c not in counted]
    typed = typed.strip().lower().replace(" ", "_")
    return [c for c in names if c in KNOWN_CATEGORIES and typed in c][:25]


async def _categories(ctx: CommandContext, mode: str = "anonymous") -> Reply:
    return await ctx.service.boards.categories(ctx.scope, mode)


async def _models(ctx: CommandContext) -> Reply:
    return await ctx.service.models_overview(ctx.scope, ctx.actor)


async def _stats(ctx: CommandContext) -> Reply:
    return await ctx.service.stats(ctx.scope, ctx.actor)


COMMANDS = (
    Command(
        ("leaderboard",),
        "Show the leaderboard (ratings with 95% confidence intervals)",
        _leaderboard,
        params=(
            Param("category", "Only battles of this category (see `categories`)", required=False, suggest=category_names),
            Param("scope", "This server or all servers", required=False, default="server", choices=SCOPE_CHOICES, text="flag"),
            Param("top", "How many models", kind="int", required=False, default=20, min_value=1, max_value=50, text="keyword"),
            MODE,
            Param("as_of", "The board as published on this date, e.g. 2026-01-31", required=False, text="keyword"),
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
    Command(
        ("categories",),
        "Categories with their revealed battles, for `leaderboard category:`",
        _categories,
        params=(MODE,),
        public=True,
    ),
    Command(("models",), "List the models in the arena", _models, public=True),
    Command(("stats",), "Battle and vote statistics", _stats, public=True),
)

SETTINGS: tuple[ScopeSetting, ...] = ()
