"""Running the real Discord adapter (discord.py and all) against `FakeDiscord` and a real core."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from arenabot.adapters.discord import build_client, endpoints
from arenabot.adapters.discord.client import ArenaClient
from arenabot.app import build_core
from arenabot.ops.readiness import Readiness
from arenabot.arena import ArenaService
from arenabot.config import Settings, settings_from_dict
from tests.discord.fake_discord import TOKEN, FakeDiscord

WAIT_S = 20.0  # generous: a 2-core machine shared with other suites


async def eventually(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll until `condition()` is truthy (returns it); fail with `what` otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def arena_settings(
    db_url: str, fake: FakeDiscord, *, delay_s: float = 0.0, reveal_to_voter: bool = True, **discord: Any
) -> Settings:
    params = {"delay_s": delay_s} if delay_s else {}
    return settings_from_dict({
        "database": {"url": db_url},
        "arena": {"rate_limit_battles": 100, "reveal_to_voter": reveal_to_voter},
        "discord": {"api_base": fake.api_base, **discord},
        "models": [
            {"name": f"demo-{voice}", "provider": "demo", "model_id": voice, "params": params}
            for voice in ("lark", "owl", "otter", "fox")
        ],
    })


@dataclass
class Bot:
    client: ArenaClient
    service: ArenaService
    fake: FakeDiscord
    task: asyncio.Task[None]

    async def votes(self, battle_id: int) -> dict[str, tuple[str | None, bool]]:
        """voter id -> (outcome or None when withdrawn, counted), read straight from the table."""

        def read(conn: Any) -> dict[str, tuple[str | None, bool]]:
            rows = conn.execute(text("SELECT voter_ref, outcome, counted FROM votes WHERE battle_id = :b"), {"b": battle_id})
            return {r.voter_ref: (r.outcome, bool(r.counted)) for r in rows}

        return await self.service.store.run_read(read)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, fake: FakeDiscord, *, hub: Any = None, edit_interval: float = 0.02, **options: Any) -> AsyncIterator[Bot]:
    identifies = fake.identifies
    async with build_core(settings, hub=hub) as service:
        service.readiness = Readiness()  # as `arenabot run` does, so /readyz reporting is exercised
        service.readiness.started("discord", self_reporting=True)
        client = build_client(settings, service, edit_interval=edit_interval, guild_ready_timeout=0.1, **options)
        task = asyncio.create_task(client.start(TOKEN))
        try:
            await eventually(lambda: task.done() or (fake.identifies > identifies and client.is_ready()), "login and READY")
            if task.done():
                task.result()  # surface a startup error
            yield Bot(client, service, fake, task)
        finally:
            await client.close()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 10)
            endpoints.restore()
