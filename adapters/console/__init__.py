"""Console adapter: the embedded default arena on stdin/stdout (`make run` without chat credentials)."""

from __future__ import annotations

from arenabot.arena import ArenaService
from arenabot.config import Settings


async def run(settings: Settings, service: ArenaService) -> None:
    from .session import run_console

    await run_console(service)
