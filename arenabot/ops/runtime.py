"""`supervise`: run the adapters on one core with the operator features around them.

- metrics from the arena's events (arenabot/ops/observe.py);
- the /healthz, /readyz, /metrics endpoint when `ops.http_port` is set;
- the one scheduler of periodic jobs (sweeps), each run once per interval across processes
  by a database lease; adapters only attach their platform to the service;
- SIGTERM/SIGINT: stop taking battles, let in-flight turns finish within
  `ops.shutdown_grace_seconds`, void (and say so in their threads) the ones that do not, stop the
  adapters, then return normally so the caller closes the store and the hub and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from arenabot.config import Settings
from arenabot.events import ArenaListener
from arenabot.ops.http import OpsEndpoint
from arenabot.ops.metrics import Metrics, void_cause
from arenabot.ops.observe import MetricsListener
from arenabot.ops.scheduler import LeasedScheduler
from arenabot.ops.shutdown import ShutdownGate

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
ADAPTER_STOP_TIMEOUT_S = 15.0


def interrupted_text(battle_id: int) -> str:
    return (
        f"Battle #{battle_id} is void: the arena restarted before both replies were finished. "
        "Votes on it will not count; start a new battle once the arena is back."
    )


def adapter_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


class _InterruptedBattles(ArenaListener):
    """Battles voided by the shutdown, to tell their threads once the drain is over."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def battle_voided(self, battle_id: int, reason: str) -> None:
        if void_cause(reason) == "shutdown":
            self.ids.append(battle_id)


class Supervisor:
    def __init__(self, settings: Settings, service: ArenaService):
        self.settings = settings
        self.service = service
        self.metrics = Metrics()
        self.readiness = service.readiness  # adapters report their connection there (see readiness.py)
        self.gate = ShutdownGate()
        self.stop_requested = asyncio.Event()
        self._interrupted = _InterruptedBattles()
        service.events.subscribe(MetricsListener(self.metrics))
        service.events.subscribe(self._interrupted)
        service.middleware.add(self.gate, first=True)  # before bans and rate limits: it sees every call
        self.scheduler = LeasedScheduler(service.store, self.metrics)
        self.endpoint = OpsEndpoint(
            service.store, self.metrics, self.readiness, lambda: self.gate.closing, public_pages(settings, service)
        )

    def request_stop(self, signum: int | None = None) -> None:
        if self.stop_requested.is_set():
            log.warning("second stop request: voiding in-flight battles now instead of waiting")
            self.gate.hurry()
            return
        log.info("received %s: shutting down gracefully", signal.Signals(signum).name if signum else "stop request")
        self.stop_requested.set()

    @contextlib.contextmanager
    def _signals(self):
        loop = asyncio.get_running_loop()
        installed = []
        for signum in STOP_SIGNALS:
            try:
                loop.add_signal_handler(signum, self.request_stop, signum)
                installed.append(signum)
            except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
                pass
        try:
            yield
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    async def run(self, modules: list[ModuleType]) -> None:
        ops = self.settings.ops
        if ops.http_port is not None:
            await self.endpoint.start(ops.http_host, ops.http_port)
        scheduler = asyncio.create_task(self.scheduler.run(self.service.periodic_jobs), name="periodic jobs")
        try:
            with self._signals():
                await self._run_adapters(modules)
        finally:
            scheduler.cancel()
            await asyncio.gather(scheduler, return_exceptions=True)
            await self.scheduler.release_all()
            await self.endpoint.stop()

    async def _run_adapters(self, modules: list[ModuleType]) -> None:
        tasks: dict[asyncio.Task[Any], str] = {}
        for module in modules:
            name = adapter_name(module)
            self.readiness.started(name, self_reporting=bool(getattr(module, "REPORTS_READINESS", False)))
            tasks[asyncio.create_task(module.run(self.settings, self.service), name=f"adapter {name}")] = name
        stop = asyncio.create_task(self.stop_requested.wait())
        pending = set(tasks)
        crashed: asyncio.Task[Any] | None = None
        try:
            while pending and not self.stop_requested.is_set():
                done, pending = await asyncio.wait(pending | {stop}, return_when=asyncio.FIRST_COMPLETED)
                done.discard(stop)
                pending.discard(stop)
                for task in done:
                    self.readiness.stopped(tasks[task])
                    if crashed is None and not task.cancelled() and task.exception() is not None:
                        crashed = task
                if crashed is not None:
                    raise crashed.exception()  # type: ignore[misc]  # an adapter failed: stop the others too
            if self.stop_requested.is_set():
                await self._drain()
        finally:
            stop.cancel()
            for task in pending:
                task.cancel()
            finished, stuck = await asyncio.wait(tasks, timeout=ADAPTER_STOP_TIMEOUT_S) if tasks else (set(), set())
            for task in finished - {crashed}:
                if not task.cancelled() and task.exception() is not None:
                    log.error("adapter %s ended with an error", tasks[task], exc_info=task.exception())
            for task in stuck:
                log.error(
                    "adapter %s did not stop within %gs; closing the database under it", tasks[task], ADAPTER_STOP_TIMEOUT_S
                )
            for name in tasks.values():
                self.readiness.stopped(name)

    async def _drain(self) -> None:
        self.metrics.shutting_down.set(1)
        self.gate.close()
        cancelled = await self.gate.drain(self.settings.ops.shutdown_grace_seconds)
        for battle_id in self._interrupted.ids:
            await self._tell_thread(battle_id)
        log.info("shutdown: in-flight turns done (%d voided); stopping adapters", cancelled)

    async def _tell_thread(self, battle_id: int) -> None:
        try:
            battle = await self.service.store.get_battle(battle_id)
            platform = (self.gate.platforms.get(battle.platform) or self.service.platform(battle.platform)) if battle else None
            if battle is not None and platform is not None:
                await platform.post(battle.thread_ref or battle.channel_ref, interrupted_text(battle_id))
        except Exception as exc:  # the battle is void in the DB either way
            log.warning("could not post the shutdown notice in battle #%s: %s", battle_id, type(exc).__name__)


def public_pages(settings: Settings, service: ArenaService) -> Callable[[web.Application], None] | None:
    """The read-only board pages, when the operator opted in (`ops.public_board`)."""
    if not settings.ops.public_board:
        return None
    from arenabot.features.publishing.web import add_routes

    return functools.partial(add_routes, publishing=service.publishing)


async def supervise(settings: Settings, service: ArenaService, modules: list[ModuleType]) -> None:
    """Run the adapter modules (each exposing `run(settings, service)`) until they end or a stop signal."""
    await Supervisor(settings, service).run(modules)
