"""Helpers for the ops tests: settings with paced demo models, and a do-nothing adapter module."""
from __future__ import annotations

import asyncio
import types
from typing import Any

from arenabot.config import Settings, settings_from_dict


def demo_models(delay_s: float = 0.0) -> list[dict[str, Any]]:
    """Two offline demo models; `delay_s` paces each streamed word, so a battle can be caught mid-stream."""
    return [
        {"name": "duck", "provider": "demo", "model_id": "owl", "params": {"delay_s": delay_s}},
        {"name": "heron", "provider": "demo", "model_id": "fox", "params": {"delay_s": delay_s}},
    ]


def ops_settings(db_url: str, *, delay_s: float = 0.0, grace: float = 5.0, **arena: Any) -> Settings:
    return settings_from_dict(
        {
            "database": {"url": db_url},
            "ops": {"http_host": "127.0.0.1", "http_port": 0, "shutdown_grace_seconds": grace},
            "arena": arena,
            "models": demo_models(delay_s),
        }
    )


def idle_adapter(name: str = "idle", *, reports_readiness: bool = False) -> types.ModuleType:
    """An adapter module that serves nothing until cancelled (the test drives the service itself)."""
    module = types.ModuleType(f"tests.ops.{name}")

    async def run(settings: Settings, service: Any) -> None:
        await asyncio.Event().wait()

    module.run = run  # type: ignore[attr-defined]
    if reports_readiness:
        module.REPORTS_READINESS = True  # type: ignore[attr-defined]
    return module


async def wait_for(condition: Any, timeout: float = 20.0) -> None:
    """Poll until `condition()` is true (a readiness wait, not a timing assertion)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
