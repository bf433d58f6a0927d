"""The publishing feature's commands: `publish` (moderators) and `history`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arenabot.categories import TOPIC_CATEGORIES, normalise_category
from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.features.boards.commands import MODE
from arenabot.replies import Reply, refuse

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

ACTIONS = ("day", "week", "month", "now", "off", "status")
NOT_MODERATOR = "Only moderators can schedule or post the board (Discord: Manage Server or the moderator role; Slack: workspace admins or the configured admins)."


def _as_category(text: str | None) -> str | None:
    try:
        return normalise_category(text) if text else None
    except ValueError:
        return None


async def _publish(
    ctx: CommandContext, every: str, channel: str | None = None, category: str | None = None, mode: str = "anonymous"
) -> Reply:
    if not ctx.actor.is_moderator:
        return refuse(NOT_MODERATOR)
    # In text, `publish now coding` puts the category where the channel goes: no channel id is a
    # category's name, so a category there is one.
    if channel and category is None and _as_category(channel):
        channel, category = None, channel
    service = ctx.service.publishing
    if every == "off":
        return await service.stop(ctx.scope, category)
    if every == "now":
        return await service.publish_now(ctx.scope, ctx.platform, ctx.channel_ref, category, mode)
    if every == "status":
        return await service.status(ctx.scope)
    return await service.schedule(ctx.scope, ctx.platform, channel or ctx.channel_ref, every, category, mode)


async def _history(ctx: CommandContext, model: str, category: str | None = None, mode: str = "anonymous") -> Reply:
    return await ctx.service.publishing.history_reply(ctx.scope, model, category, mode)


async def _model_names(service: ArenaService, typed: str) -> list[str]:
    models, _ = await service.state.registry()
    return [m.name for m in models if m.name.lower().startswith(typed.lower())]


COMMANDS = (
    Command(
        ("publish",),
        "Post the board on a schedule (day, week, month), now, or stop (off)",
        _publish,
        params=(
            Param("every", "How often: day, week or month; now posts once, off stops, status lists", choices=ACTIONS),
            Param("channel", "Where to post (default: here)", required=False),
            Param("category", "Only this category's board", required=False, choices=TOPIC_CATEGORIES),
            MODE,
        ),
        moderator=True,
        details="Each post shows rank movement since the previous one and is kept as a snapshot (`leaderboard as_of=DATE`, `history`).",
    ),
    Command(
        ("history",),
        "A model's rating over the published boards, with its interval",
        _history,
        params=(
            Param("model", "The model's name", suggest=_model_names),
            Param("category", "Only this category's boards", required=False, choices=TOPIC_CATEGORIES),
            MODE,
        ),
        public=True,
    ),
)

SETTINGS: tuple[ScopeSetting, ...] = ()
