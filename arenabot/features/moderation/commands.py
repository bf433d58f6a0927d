"""The moderation feature's commands: the model registry, bans, closing and voiding battles,
and clean_battle export/import. The core refuses them to members (`Actor.is_moderator`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting, only
from arenabot.config import ProviderName
from arenabot.features.moderation.service import NOT_MODERATOR
from arenabot.replies import Reply, refuse

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

SCOPE_CHOICES = ("server", "global")
NAME_THE_BATTLE = "Name the battle by its number, e.g. `{command} #42` (on Discord you may also run it in the battle's thread)."


async def model_names(service: ArenaService, typed: str) -> list[str]:
    models, _ = await service.state.registry()
    return [m.name for m in models if m.name.lower().startswith(typed.lower())]


def _model_name(help: str = "The model's name") -> Param:
    return Param("name", help, suggest=model_names)


async def _model_add(
    ctx: CommandContext,
    name: str,
    provider: str,
    model_id: str,
    base_url: str | None = None,
    api_key_env: str | None = None,
    weight: float = 1.0,
) -> Reply:
    return await ctx.service.add_model(
        ctx.actor, name, provider, model_id, base_url=base_url, api_key_env=api_key_env, weight=weight
    )


async def _model_enable(ctx: CommandContext, name: str) -> Reply:
    return await ctx.service.set_model_enabled(ctx.actor, name, True)


async def _model_disable(ctx: CommandContext, name: str) -> Reply:
    return await ctx.service.set_model_enabled(ctx.actor, name, False)


async def _model_weight(ctx: CommandContext, name: str, weight: float) -> Reply:
    return await ctx.service.set_model_weight(ctx.actor, name, weight)


async def _model_targets(ctx: CommandContext, name: str, opponents: str = "") -> Reply:
    return await ctx.service.set_model_targets(ctx.actor, name, opponents)


async def _ban(ctx: CommandContext, user: str, reason: str = "") -> Reply:
    return await ctx.service.ban(ctx.actor, ctx.scope, user, reason)


async def _unban(ctx: CommandContext, user: str) -> Reply:
    return await ctx.service.unban(ctx.actor, ctx.scope, user)


async def _close(ctx: CommandContext, battle: str | None = None) -> Reply:
    battle = battle or ctx.thread_ref
    if not battle:
        return refuse(NAME_THE_BATTLE.format(command="close"))
    return await ctx.service.close_battle(ctx.platform, ctx.actor, battle, scope=ctx.scope)


async def _void(ctx: CommandContext, battle: str | None = None, reason: str = "") -> Reply:
    battle = battle or ctx.thread_ref
    if not battle:
        return refuse(NAME_THE_BATTLE.format(command="void"))
    return await ctx.service.void_battle(ctx.platform, ctx.actor, battle, reason, scope=ctx.scope)


async def _export(ctx: CommandContext, scope: str = "server") -> Reply:
    return await ctx.service.export_battles(ctx.actor, ctx.scope, global_=scope == "global")


async def _import(ctx: CommandContext, file: bytes) -> Reply:
    return await ctx.service.import_battles(ctx.actor, ctx.scope, file)


async def _doctor(ctx: CommandContext) -> Reply:
    from arenabot.features.moderation.doctor import doctor

    if not ctx.actor.is_moderator:  # before any probe runs
        return refuse(NOT_MODERATOR)
    extra = await ctx.service.content.findings(ctx.scope)
    return await doctor(ctx.service.state, ctx.platform, ctx.actor, ctx.scope, ctx.channel_ref, extra=extra)


_WEIGHT = dict(kind="float", min_value=0.0, max_value=1000.0)
_BATTLE = Param("battle", "Battle number like 42; leave empty inside the battle's thread", kind="battle", required=False)

COMMANDS = (
    Command(
        ("model", "add"),
        "Add a model",
        _model_add,
        params=(
            Param("name", "Name shown on reveal and leaderboards"),
            Param("provider", "Backend", choices=get_args(ProviderName)),
            Param("model_id", "The provider's model identifier"),
            Param("base_url", "API base URL (OpenAI-compatible servers)", required=False, text="keyword"),
            Param("api_key_env", "Name of the environment variable holding the API key", required=False, text="keyword"),
            Param("weight", "Relative sampling weight", required=False, default=1.0, text="keyword", **_WEIGHT),  # type: ignore[arg-type]
        ),
        moderator=True,
        group_help="Manage the models in the arena",
    ),
    Command(("model", "enable"), "Let a model be sampled", _model_enable, params=(_model_name(),), moderator=True),
    Command(("model", "disable"), "Stop sampling a model", _model_disable, params=(_model_name(),), moderator=True),
    Command(
        ("model", "weight"),
        "Set a model's sampling weight (0 never samples it)",
        _model_weight,
        params=(_model_name(), Param("weight", "Relative sampling weight", **_WEIGHT)),  # type: ignore[arg-type]
        moderator=True,
    ),
    Command(
        ("model", "targets"),
        "Set a model's preferred opponents (comma-separated; none clears them)",
        _model_targets,
        params=(
            _model_name(),
            Param("opponents", "Model names, comma-separated; leave out to clear", required=False, default="", text="rest"),
        ),
        moderator=True,
    ),
    Command(
        ("ban",),
        "Ban a member from battles and votes",
        _ban,
        params=(
            Param("user", "Who", kind="user"),
            Param("reason", "Why (kept with the ban)", required=False, default="", text="rest"),
        ),
        moderator=True,
    ),
    Command(("unban",), "Lift a ban", _unban, params=(Param("user", "Who", kind="user"),), moderator=True),
    Command(("close",), "Close a battle now and reveal the models", _close, params=(_BATTLE,), moderator=True),
    Command(
        ("void",),
        "Void a battle so its votes never count",
        _void,
        params=(_BATTLE, Param("reason", "Why", required=False, default="", text="rest")),
        moderator=True,
    ),
    Command(
        ("export",),
        "Download the battles as Chatbot Arena clean_battle JSON",
        _export,
        params=(
            Param("scope", "This server or all servers", required=False, default="server", choices=SCOPE_CHOICES, text="flag"),
        ),
        moderator=True,
    ),
    Command(
        ("doctor",),
        "Check the bot's permissions, the database, each model and the ballot mode, and say what to fix",
        _doctor,
        moderator=True,
    ),
    Command(
        ("import",),
        "Import clean_battle JSON records",
        _import,
        params=(Param("file", "A JSON array or JSON lines of clean_battle records", kind="file"),),
        moderator=True,
        surfaces=only("discord"),  # a file upload: Discord's slash commands carry attachments
    ),
)

SETTINGS: tuple[ScopeSetting, ...] = ()
