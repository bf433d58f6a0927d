"""A clock for tests that moves only when the test says so."""

from __future__ import annotations

import asyncio


class FakeTime:
    """A clock that moves only when the test advances it; `sleep` waits for that."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, wake))
        await wake

    @property
    def waiting_until(self) -> list[float]:
        """When each pending sleeper asked to wake."""
        return [at for at, wake in self._sleepers if not wake.done()]

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for at, wake in self._sleepers:
            if at <= self.now and not wake.done():
                wake.set_result(None)
