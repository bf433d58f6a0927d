"""Wiring: settings -> Store -> ProviderHub -> ArenaService, and choosing which adapters run."""

from __future__ import annotations

import gc
import importlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from arenabot.arena import ArenaService
from arenabot.config import Settings
from arenabot.providers import ProviderHub
from arenabot.storage import ModelSync, Store

log = logging.getLogger(__name__)


@asynccontextmanager
async def build_core(
    settings: Settings,
    *,
    hub: ProviderHub | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[ArenaService]:
    """Open the database (upgrading an older schema), seed the model registry from the config,
    and yield the service; closes the hub and the store on exit."""
    store = await Store.open(settings.database.url, upgrade=True)
    try:
        log_model_sync(await store.sync_models(settings.models))
        own_hub = hub is None
        hub = hub or ProviderHub(settings)
        try:
            extra = {"clock": clock} if clock else {}
            service = ArenaService(settings, store, hub, rng=rng, **extra)
            try:
                yield service
            finally:
                await service.close()
        finally:
            if own_hub:
                await hub.close()
    finally:
        await store.close()


def log_model_sync(report: ModelSync) -> None:
    """Say what the config file changed in the registry, and which names it shares with chat."""
    if report.added:
        log.info("models registered from the config file: %s", ", ".join(report.added))
    for change in report.changes:
        log.info("model %s (from the config file)", change)
    for name in report.in_both:
        log.warning(in_both_text(name))


def in_both_text(name: str) -> str:
    return (
        f"model {name!r} is defined in the config file and was also added in chat: the file wins "
        "(its fields are applied at every start); rename one of them, or remove it from the file to manage it in chat"
    )


def choose_adapters(settings: Settings) -> list[str]:
    """Discord when its token is set, Slack when its bot token is set (both if both), else the console."""
    chosen = []
    if settings.discord_token:
        chosen.append("adapters.discord")
    if settings.slack_bot_token:
        chosen.append("adapters.slack")
    return chosen or ["adapters.console"]


async def run(settings: Settings, adapters: list[str] | None = None) -> None:
    """Run the adapters (by default those `choose_adapters` picks) on one shared core, with the
    ops supervisor (endpoint, SIGTERM drain, leased sweeper), until they return or are stopped."""
    names = adapters or choose_adapters(settings)
    modules = [importlib.import_module(name) for name in names]  # lazy: SDKs load only when used
    async with build_core(settings) as service:
        log.info("starting %s", ", ".join(m.__name__ for m in modules))
        from arenabot.ops import supervise  # metrics, /healthz /readyz /metrics, SIGTERM drain, leased sweeper

        freeze_startup_objects()
        await supervise(settings, service, modules)


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (modules, SDKs, numpy/scipy) out of the garbage
    collector's reach. Otherwise a full collection walks it all in the middle of a request: that
    was the whole 95th-percentile tail of a 100-model leaderboard (about 100 ms against 22 ms)."""
    gc.collect()
    gc.freeze()
