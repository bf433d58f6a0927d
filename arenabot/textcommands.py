"""Plain-text commands shared by Slack (`/arena ...`) and the console (`/...`).

`dispatch` parses one command line and calls the service; every answer is a `Reply`.
"""
from __future__ import annotations

import re
import shlex

from arenabot.arena import ArenaService
from arenabot.domain import Actor, Scope
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse

_MENTION = re.compile(r"^<[@#!]?([^>|]+)(?:\|[^>]*)?>$")  # Slack/Discord mention syntax


def user_ref(text: str) -> str:
    """"<@U123|ann>" or "<@123>" -> the id inside; anything else as written."""
    match = _MENTION.match(text.strip())
    return match.group(1) if match else text.strip()


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain splitting
        return text.split()


def _usage(text: str) -> Reply:
    return refuse(f"Usage: `{text}`")


async def dispatch(
    service: ArenaService, platform: ChatPlatform, scope: Scope, channel_ref: str, actor: Actor, text: str
) -> Reply:
    command, _, rest = text.strip().partition(" ")
    command = command.lower().lstrip("/")
    rest = rest.strip()
    if command in ("", "help"):
        return Reply(service.help_text(), private=True)
    if command == "battle":
        category = None
        match = re.match(r"^category[:=](\S+)\s+(.*)$", rest, re.DOTALL)
        if match:
            category, rest = match.group(1), match.group(2)
        return await service.start_battle(platform, scope, channel_ref, actor, rest, category=category)
    if command == "leaderboard":
        args = rest.lower().split()
        global_ = "global" in args
        categories = [a for a in args if a != "global"]
        if len(categories) > 1:
            return _usage("leaderboard [category] [global]")
        return await service.leaderboard(scope, category=categories[0] if categories else None, global_=global_)
    if command == "models":
        return await service.models_overview(scope, actor)
    if command == "stats":
        return await service.stats(scope)
    if command == "model":
        return await _model_command(service, actor, _words(rest))
    if command in ("ban", "unban"):
        target, _, reason = rest.partition(" ")
        if not target:
            return _usage(f"{command} <user>" + (" [reason]" if command == "ban" else ""))
        if command == "ban":
            return await service.ban(actor, scope, user_ref(target), reason.strip())
        return await service.unban(actor, scope, user_ref(target))
    if command in ("close", "void"):
        battle, _, reason = rest.partition(" ")
        if not battle:
            return _usage(f"{command} <battle number, e.g. #42>" + (" [reason]" if command == "void" else ""))
        if command == "close":
            return await service.close_battle(platform, actor, battle, scope=scope)
        return await service.void_battle(platform, actor, battle, reason.strip(), scope=scope)
    if command == "export":
        return await service.export_battles(actor, scope, global_=rest.lower() == "global")
    if command == "set":
        key, _, value = rest.partition(" ")
        if not key or not value.strip():
            return _usage("set <key> <value>")
        return await service.set_setting(actor, scope, key.strip(), value.strip())
    return refuse(f"Unknown command `{command}`. Try `help`.")


async def _model_command(service: ArenaService, actor: Actor, words: list[str]) -> Reply:
    action = words[0].lower() if words else ""
    args = words[1:]
    if action == "add":
        positional = [a for a in args if "=" not in a]
        options = dict(a.split("=", 1) for a in args if "=" in a)
        if len(positional) < 3:
            return _usage("model add <name> <provider> <model_id> [base_url=...] [api_key_env=...] [weight=1]")
        unknown = set(options) - {"base_url", "api_key_env", "weight"}
        if unknown:
            return refuse(f"Unknown option(s) {', '.join(sorted(unknown))}; use base_url=, api_key_env= or weight=.")
        try:
            weight = float(options.get("weight", 1.0))
        except ValueError:
            return refuse(f"weight must be a number, not {options['weight']!r}.")
        name, provider, model_id = positional[:3]
        return await service.add_model(
            actor, name, provider, model_id, base_url=options.get("base_url"), api_key_env=options.get("api_key_env"), weight=weight
        )
    if action in ("enable", "disable") and len(args) == 1:
        return await service.set_model_enabled(actor, args[0], action == "enable")
    if action == "weight" and len(args) == 2:
        try:
            weight = float(args[1])
        except ValueError:
            return refuse(f"weight must be a number, not {args[1]!r}.")
        return await service.set_model_weight(actor, args[0], weight)
    return _usage("model add|enable|disable|weight ...")
