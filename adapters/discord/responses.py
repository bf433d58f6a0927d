"""Showing a core `Reply` as the answer to a deferred slash command."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from arenabot.replies import Reply

from .embeds import leaderboard_message
from .text import split_message

log = logging.getLogger(__name__)


async def defer(interaction: discord.Interaction, *, public: bool) -> None:
    """Acknowledge within Discord's 3-second deadline; the answer follows when it is ready."""
    await interaction.response.defer(ephemeral=not public, thinking=True)


async def respond(interaction: discord.Interaction, reply: Reply, *, public: bool) -> None:
    """Send `reply` as follow-ups of a deferred interaction.

    A deferral fixes the visibility of the first follow-up, so a private answer (usually a
    refusal) to a publicly deferred command removes the public "thinking…" placeholder and is
    sent as a fresh ephemeral message instead.
    """
    ephemeral = reply.private or not public
    if reply.private and public:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the public placeholder", exc_info=True)
    extras: dict[str, Any] = {}
    text = reply.text
    if reply.board is not None and reply.board.rows:
        embed, chart = await leaderboard_message(reply.board)
        extras["embed"] = embed
        if chart is not None:
            extras["file"] = chart
        text = ""  # the embed carries the table
    if reply.file is not None:
        name, data = reply.file
        files = [discord.File(io.BytesIO(data), filename=name)]
        if "file" in extras:
            files.append(extras.pop("file"))
        extras["files"] = files
    chunks = split_message(text) if text else [""]
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await interaction.followup.send(chunk or discord.utils.MISSING, ephemeral=ephemeral, **(extras if last else {}))
