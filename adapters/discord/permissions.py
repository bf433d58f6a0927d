"""Discord's 403s as `MissingPermission`: which permission the refused action needs, and where.

Discord's error (50013 "Missing Permissions") does not say which permission was missing, so each
call site names the one its action needs; 50001 ("Missing Access") means the bot cannot see the
channel at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord

from arenabot.permissions import MissingPermission

MISSING_ACCESS = 50001
FIX = (
    "A server admin can grant it to the bot's role in Server Settings → Roles, or in the channel's "
    "permissions; moderators can run `/arena-admin doctor` to check them all."
)

# discord.Permissions attribute -> the name Discord's settings show, for what a battle needs.
BATTLE_PERMISSIONS: dict[str, str] = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History",
    "add_reactions": "Add Reactions",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


@contextmanager
def needs(permission: str, channel_id: int | str) -> Iterator[None]:
    """Turn a 403 inside the block into MissingPermission(permission, <#channel>)."""
    try:
        yield
    except discord.Forbidden as exc:
        if exc.code == MISSING_ACCESS:
            permission = "View Channel"
        raise MissingPermission(permission, f"<#{channel_id}>", FIX) from exc


def missing_in(channel: discord.abc.GuildChannel | discord.Thread, member: discord.Member) -> list[str]:
    """The battle permissions the member (the bot) lacks in the channel, by Discord's names."""
    granted = channel.permissions_for(member)
    return [name for attr, name in BATTLE_PERMISSIONS.items() if not getattr(granted, attr)]
