"""Pointing discord.py at another Discord (the test fake): REST base and gateway URL.

discord.py keeps both as class attributes, so the override is process-wide; a process runs one
Discord client, and `restore` puts the defaults back (tests).
"""

from __future__ import annotations

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

_DEFAULT_BASE = Route.BASE
_DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def use_api_base(api_base: str) -> None:
    if not api_base.startswith(("http://", "https://")):
        raise ValueError(f"discord.api_base must be an http(s) URL like https://discord.com/api/v10, not {api_base!r}")
    Route.BASE = api_base.rstrip("/")


async def follow_advertised_gateway(client: discord.Client) -> None:
    """Use the gateway URL that the REST API advertises (GET /gateway/bot) for fresh connections."""
    _, url, _ = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def restore() -> None:
    Route.BASE = _DEFAULT_BASE
    DiscordWebSocket.DEFAULT_GATEWAY = _DEFAULT_GATEWAY
