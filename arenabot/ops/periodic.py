"""Periodic work once per interval across every process sharing the database.

`LeasedSweeps.install(service)` stands in front of `service.sweep`, which each adapter's sweeper
loop calls every `arena.sweep_interval_seconds`: a sweep runs only in the process that claims the
lease `sweep:<platform>` for the next interval (see arenabot/storage/leases.py); the others skip.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from arenabot.ops.metrics import Metrics
from arenabot.storage import leases

log = logging.getLogger(__name__)


def process_id() -> str:
    """Who holds a lease, readable in the table: host, pid and a per-start nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class LeasedSweeps:
    def __init__(
        self,
        store: Any,
        interval_seconds: float,
        metrics: Metrics,
        *,
        holder: str | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self._store = store
        self._interval = interval_seconds
        self._metrics = metrics
        self.holder = holder or process_id()
        self._clock = clock
        self._held: set[str] = set()

    async def claim(self, task: str) -> bool:
        now = self._clock()
        won = bool(await self._store.run_write(leases.claim, task, self.holder, now, self._interval))
        if won:
            self._held.add(task)
            self._metrics.periodic_runs.labels(task).inc()
            log.debug("periodic %s ran at %s by %s", task, now.isoformat(), self.holder)
        else:
            self._metrics.periodic_skipped.labels(task).inc()
            log.debug("periodic %s skipped at %s by %s (another process holds the lease)", task, now.isoformat(), self.holder)
        return won

    def install(self, service: Any) -> None:
        sweep = service.sweep

        async def leased_sweep(platform: Any) -> int:
            if not await self.claim(f"sweep:{platform.name}"):
                return 0  # another process sweeps this interval
            return await sweep(platform)

        service.sweep = leased_sweep

    async def release_all(self) -> None:
        """On shutdown: hand held leases back so another process takes over at its next tick."""
        for task in self._held:
            try:
                await self._store.run_write(leases.release, task, self.holder, self._clock())
            except Exception as exc:
                log.warning("could not release lease %s: %s", task, type(exc).__name__)
        self._held.clear()
