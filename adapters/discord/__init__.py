"""Discord adapter: the arena on discord.py 2.x (slash commands, battle threads, reaction votes).

`run(settings, service)` is all the app needs; everything Discord-specific stays in this package.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from arenabot.config import Settings

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

    from .client import ArenaClient

log = logging.getLogger(__name__)

REPORTS_READINESS = True  # /readyz (arenabot.ops) waits for the client to report the gateway is up


def build_client(settings: Settings, service: ArenaService, **options: Any) -> ArenaClient:
    """The configured client, not yet started (tests start it against a fake Discord)."""
    from . import endpoints
    from .client import ArenaClient

    if settings.discord.api_base:
        endpoints.use_api_base(settings.discord.api_base)
    return ArenaClient(settings, service, **options)


async def run(settings: Settings, service: ArenaService) -> None:
    """Connect and serve until cancelled. The token comes from the env var named by discord.token_env."""
    token = settings.discord_token
    if not token:
        raise RuntimeError(
            f"Discord token missing: set the environment variable {settings.discord.token_env} "
            "(Developer Portal → your application → Bot → Reset Token)"
        )
    import discord

    client = build_client(
        settings,
        service,
        edit_interval=settings.discord.edit_interval_seconds,
        message_content=settings.discord.message_content_intent,
    )
    async with client:
        try:
            await client.start(token)
        except discord.PrivilegedIntentsRequired:
            raise RuntimeError(
                "Discord refused the Message Content intent: enable it in the Developer Portal (Bot → Privileged "
                "Gateway Intents), or set [discord] message_content_intent = false (follow-ups must then mention the bot)"
            ) from None
        except discord.LoginFailure:
            raise RuntimeError(
                f"Discord rejected the token in {settings.discord.token_env}; reset it in the Developer Portal (Bot → Reset Token)"
            ) from None
        finally:
            # On shutdown, replies being written get their grace period while REST still works.
            await service.drain(settings.ops.shutdown_grace_seconds)
