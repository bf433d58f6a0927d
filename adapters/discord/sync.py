"""Register slash commands only when they changed: not on every reconnect, not on every restart.

Discord allows few command writes a day, and a bulk overwrite on each start of every process
would burn them. The current definitions are compared with what Discord already holds (only the
fields we set), and written only on a difference.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

_OPTION_KEYS = (
    "type",
    "name",
    "description",
    "required",
    "choices",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "autocomplete",
    "channel_types",
)
_COMMAND_KEYS = ("type", "name", "description", "default_member_permissions", "nsfw", "contexts", "integration_types")
_DEFAULTS: dict[str, Any] = {"type": 1, "required": False, "nsfw": False, "autocomplete": False}


def _normalise(item: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = item.get(key, _DEFAULTS.get(key))
        if value in (None, [], _DEFAULTS.get(key)):
            continue
        if key == "choices":
            value = [{"name": c["name"], "value": c["value"]} for c in value]
        elif key == "default_member_permissions":
            value = str(value)
        elif key in ("contexts", "integration_types", "channel_types"):
            value = sorted(value)
        out[key] = value
    options = item.get("options") or []
    if options:
        out["options"] = [_normalise(o, _OPTION_KEYS) for o in options]
    return out


def commands_signature(commands: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return sorted((_normalise(c, _COMMAND_KEYS) for c in commands), key=lambda c: (c.get("type", 1), c["name"]))


async def sync_if_changed(client: discord.Client, tree: app_commands.CommandTree, guild_id: int | None) -> bool:
    """Make Discord's registered commands match the tree; True if a write was needed."""
    guild = discord.Object(guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)  # development: guild commands appear instantly
    local = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    app_id = client.application_id
    assert app_id is not None, "sync runs after login, when the application id is known"
    if guild_id:
        remote = await client.http.get_guild_commands(app_id, guild_id)
    else:
        remote = await client.http.get_global_commands(app_id)
    if commands_signature(local) == commands_signature(remote):
        log.info("slash commands unchanged; no sync needed")
        return False
    await tree.sync(guild=guild)
    log.info("slash commands synced %s", f"to guild {guild_id}" if guild_id else "globally (may take up to an hour to appear)")
    return True
