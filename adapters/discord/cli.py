"""`arenabot discord`: run only the Discord bot, optionally a subset of shards per process.

Several processes share one PostgreSQL database; each runs some shards, e.g. on two machines
`arenabot discord --shard-ids 0,1 --shard-count 4` and `arenabot discord --shard-ids 2,3 --shard-count 4`.
The process that runs shard 0 registers the slash commands.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic loads in the handler, so defining the command stays instant
    from arenabot.config import Settings


def shard_list(text: str) -> list[int]:
    try:
        ids = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard-ids takes comma-separated numbers like 0,1,2, not {text!r}") from None
    if not ids or ids[0] < 0:
        raise argparse.ArgumentTypeError("--shard-ids needs at least one shard id, each 0 or more")
    return ids


def with_shards(settings: Settings, shard_ids: list[int] | None, shard_count: int | None) -> Settings:
    """Settings with the command line's shard choice applied (and checked)."""
    shard_ids = shard_ids if shard_ids is not None else settings.discord.shard_ids
    shard_count = shard_count if shard_count is not None else settings.discord.shard_count
    if shard_ids and not shard_count:
        raise ValueError("--shard-ids needs --shard-count (the total number of shards across all processes)")
    if shard_ids and shard_count and max(shard_ids) >= shard_count:
        raise ValueError(f"shard ids must be below --shard-count {shard_count}; got {','.join(map(str, shard_ids))}")
    discord = settings.discord.model_copy(update={"shard_ids": shard_ids, "shard_count": shard_count})
    return settings.model_copy(update={"discord": discord})


def _handle(args: argparse.Namespace) -> int:
    import asyncio

    from arenabot.config import ConfigError, load_settings

    try:
        settings = with_shards(load_settings(args.config), args.shard_ids, args.shard_count)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.discord_token:
        print(
            f"error: set the environment variable {settings.discord.token_env} to the bot token (see docs/discord.md)",
            file=sys.stderr,
        )
        return 1
    from arenabot.app import run
    from arenabot.logs import setup_logging

    setup_logging(settings.ops.log_level, settings.ops.log_format, secrets=settings.secret_values())
    try:
        asyncio.run(run(settings, ["arenabot.adapters.discord"]))  # supervised exactly as `arenabot run` is
    except KeyboardInterrupt:
        return 0
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("discord", help="run only the Discord bot (optionally some shards; see docs/discord.md)")
    p.add_argument("--shard-ids", type=shard_list, help="shards this process runs, e.g. 0,1 (default: all)")
    p.add_argument("--shard-count", type=int, help="total shards across all processes (required with --shard-ids)")
    p.set_defaults(handler=_handle)
