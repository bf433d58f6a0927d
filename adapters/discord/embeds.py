"""Leaderboard as a Discord embed (a fixed-width table) plus an optional PNG chart."""

from __future__ import annotations

import asyncio
import io

import discord

from arenabot.chart import board_png
from arenabot.render import Leaderboard

EMBED_DESCRIPTION_LIMIT = 4096
CHART_FILENAME = "leaderboard.png"
_ARENA_COLOUR = discord.Colour.blurple()


def _table(board: Leaderboard) -> str:
    header = f"{'#':>3} {'model':<22} {'rating':>6} {'95% CI':>13} {'battles':>7}"
    lines = [header]
    for row in board.rows:
        ci = f"{row.ci_lower:.0f}-{row.ci_upper:.0f}"
        lines.append(f"{row.rank:>3} {row.model[:22]:<22} {row.rating:>6.0f} {ci:>13} {row.battles:>7}")
    return "\n".join(lines)


def leaderboard_embed(board: Leaderboard) -> discord.Embed:
    table = _table(board)
    while len(table) + 8 > EMBED_DESCRIPTION_LIMIT:  # drop the tail rows rather than break the block
        table = table.rsplit("\n", 1)[0]
    embed = discord.Embed(title=board.title, description=f"```\n{table}\n```", colour=_ARENA_COLOUR)
    footer = f"{board.method} from {board.votes} counted votes"
    if board.notes:
        footer += " · " + " · ".join(board.notes)
    embed.set_footer(text=footer[:2048])
    return embed


async def leaderboard_message(board: Leaderboard) -> tuple[discord.Embed, discord.File | None]:
    """The embed, and the chart attached and shown inside it (the table alone when it cannot be drawn)."""
    embed = leaderboard_embed(board)
    # Drawing takes a while (and importing matplotlib the first time longer): keep it off the
    # event loop so gateway heartbeats and votes carry on meanwhile.
    png = await asyncio.to_thread(board_png, board)
    if png is None:
        return embed, None
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    return embed, discord.File(io.BytesIO(png), filename=CHART_FILENAME)
