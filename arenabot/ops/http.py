"""The operator endpoint: /healthz (alive), /readyz (database and adapters), /metrics (Prometheus),
and, when `ops.public_board` is on, the read-only board pages some feature adds (`routes`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from arenabot.ops.metrics import CONTENT_TYPE, Metrics
from arenabot.ops.readiness import Readiness
from arenabot.storage import probes

log = logging.getLogger(__name__)

DB_CHECK_TIMEOUT_S = 3.0


class OpsEndpoint:
    def __init__(
        self,
        store: Any,
        metrics: Metrics,
        readiness: Readiness,
        stopping: Callable[[], bool],
        routes: Callable[[web.Application], None] | None = None,
    ):
        self._store = store
        self._routes = routes
        self._metrics = metrics
        self._readiness = readiness
        self._stopping = stopping
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        if self._routes is not None:
            self._routes(app)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the port."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host=host, port=port)
        await site.start()
        self.port = site.port  # the bound port, also when 0 asked for a free one
        log.info("ops endpoint listening on http://%s:%d (/healthz /readyz /metrics)", host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _database_problem(self) -> str | None:
        try:
            await asyncio.wait_for(self._store.run_read(probes.ping), DB_CHECK_TIMEOUT_S)
        except TimeoutError:
            return f"no answer within {DB_CHECK_TIMEOUT_S:g}s"
        except Exception as exc:  # the reason goes to the log; the probe only needs yes or no
            log.warning("readiness: database check failed: %s", type(exc).__name__)
            return type(exc).__name__
        return None

    async def _readyz(self, request: web.Request) -> web.Response:
        problem = await self._database_problem()
        adapters = self._readiness.adapters()
        stopping = self._stopping()
        ready = problem is None and self._readiness.all_connected() and not stopping
        body = {
            "ready": ready,
            "database": "ok" if problem is None else f"unreachable: {problem}",
            "adapters": {name: ("connected" if up else "not connected") for name, up in adapters.items()},
            "shutting_down": stopping,
        }
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        try:
            self._metrics.open_battles.set(await asyncio.wait_for(self._store.run_read(probes.open_battles), DB_CHECK_TIMEOUT_S))
        except Exception as exc:
            log.warning("metrics: could not count open battles: %s", type(exc).__name__)
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})
