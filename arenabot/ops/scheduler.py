"""One leased scheduler per process, owned by the supervisor: runs the features' periodic jobs
(sweeps today) at most once per interval across every process sharing the database.

Each tick tries to claim every job's lease (arenabot/storage/leases.py) for its interval; the
process that wins runs the job, the others skip it. A failing job is logged and tried again at
its next interval.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from arenabot.ops.metrics import Metrics
from arenabot.scheduling import PeriodicJob
from arenabot.storage import Store, leases

log = logging.getLogger(__name__)

IDLE_TICK_S = 1.0  # how soon to look again while no job is declared (no platform attached yet)


def process_id() -> str:
    """Who holds a lease, readable in the table: host, pid and a per-start nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class LeasedScheduler:
    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        holder: str | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self._store = store
        self._metrics = metrics
        self.holder = holder or process_id()
        self._clock = clock
        self._held: set[str] = set()

    async def claim(self, lease: str, interval_seconds: float) -> bool:
        now = self._clock()
        won = bool(await self._store.run_write(leases.claim, lease, self.holder, now, interval_seconds))
        if won:
            self._held.add(lease)
            self._metrics.periodic_runs.labels(lease).inc()
            log.debug("periodic %s ran at %s by %s", lease, now.isoformat(), self.holder)
        else:
            self._metrics.periodic_skipped.labels(lease).inc()
            log.debug("periodic %s skipped at %s by %s (another process holds the lease)", lease, now.isoformat(), self.holder)
        return won

    async def tick(self, jobs: Sequence[PeriodicJob]) -> list[str]:
        """Run every job whose lease this process wins now; returns their leases."""
        ran = []
        for job in jobs:
            try:
                if not await self.claim(job.lease, job.interval_seconds):
                    continue
                ran.append(job.lease)
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic %s failed; it runs again next interval", job.lease)
        return ran

    async def run(self, jobs: Callable[[], Sequence[PeriodicJob]]) -> None:
        """Tick until cancelled. `jobs` is asked afresh each tick (platforms attach as adapters start)."""
        while True:
            current = jobs()
            await self.tick(current)
            await asyncio.sleep(min((j.interval_seconds for j in current), default=IDLE_TICK_S))

    async def release_all(self) -> None:
        """On shutdown: hand held leases back so another process takes over at its next tick."""
        for lease in self._held:
            try:
                await self._store.run_write(leases.release, lease, self.holder, self._clock())
            except Exception as exc:
                log.warning("could not release lease %s: %s", lease, type(exc).__name__)
        self._held.clear()
