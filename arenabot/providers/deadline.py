"""One timer per streaming attempt, cheap enough to touch on every chunk.

`asyncio.timeout` would need a reschedule (a timer cancelled and a new one pushed on the heap)
for every token. Here a chunk only records the time; the timer, when it fires, moves itself to
the latest stall deadline if the stream moved since, and only otherwise cancels the task.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class StreamDeadline:
    """`async with StreamDeadline(total_at) as deadline:`; on expiry the block raises TimeoutError
    and `deadline.phase` says which limit ran out ("queue", "first_token", "stall" or "total")."""

    def __init__(self, total_at: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._total_at = total_at
        self._task: asyncio.Task | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._stall_s: float | None = None
        self._last = 0.0
        self._cancelling = 0
        self.phase = "total"
        self.expired = False

    async def __aenter__(self) -> StreamDeadline:
        self._task = asyncio.current_task()
        assert self._task is not None, "StreamDeadline must be used inside a task"
        self._cancelling = self._task.cancelling()
        self._arm(self._total_at, "total")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        assert self._task is not None, "__aenter__ set the task"
        if self.expired and exc_type is asyncio.CancelledError and self._task.uncancel() <= self._cancelling:
            raise TimeoutError(self.phase) from exc

    def until(self, at: float, phase: str) -> None:
        """A fixed deadline for this phase (capped by the total)."""
        self._stall_s = None
        self._arm(at, phase)

    def stall(self, seconds: float) -> None:
        """From now on, each `touch` opens a new window of `seconds`."""
        self._stall_s = seconds
        self.touch()
        self._arm(self._last + seconds, "stall")

    def touch(self) -> None:
        self._last = self._loop.time()

    def _arm(self, at: float, phase: str) -> None:
        if at >= self._total_at:
            at, phase = self._total_at, "total"
        self.phase = phase
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_at(at, self._fire)

    def _fire(self) -> None:
        self._handle = None
        if self._stall_s is not None and self.phase == "stall":
            next_at = self._last + self._stall_s
            if next_at > self._loop.time():
                self._arm(next_at, "stall")  # the stream moved since the timer was set
                return
        self.expired = True
        assert self._task is not None, "armed only inside the block"
        self._task.cancel()
