"""Edit pacing: streamed replies share one budget of about one message edit per second.

Discord rate-limits message edits per channel and globally; editing on every token would hit
429s at once. Each stream keeps only its latest text (updates in between are coalesced), and a
shared `EditPacer` hands out edit turns in arrival order, one per interval.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class EditPacer:
    """Grants edit turns no closer together than `interval` seconds, first come first served.

    `clock` and `sleep` are there for tests (a fake clock makes the spacing exact)."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError("edit interval must be >= 0 seconds")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()  # FIFO: streams take turns fairly
        self._next_at = float("-inf")

    async def turn(self) -> None:
        async with self._lock:
            delay = self._next_at - self._clock()
            if delay > 0:
                await self._sleep(delay)
            self._next_at = self._clock() + self.interval


class CoalescingEditor:
    """Shows the latest of many text updates, with at most one pending edit at a time."""

    def __init__(self, pacer: EditPacer, apply: Callable[[str], Awaitable[None]]) -> None:
        self._pacer = pacer
        self._apply = apply
        self._latest: str | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False
        self._applying = False

    def submit(self, text: str) -> None:
        if self._closed:
            return
        self._latest = text
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._latest is not None and not self._closed:
            await self._pacer.turn()
            text, self._latest = self._latest, None
            if text is None or self._closed:
                return
            self._applying = True
            try:
                await self._apply(text)
            except Exception:  # a failed preview edit is not worth stopping the battle for
                log.warning("streaming edit failed; the final text will still be written", exc_info=True)
            finally:
                self._applying = False

    async def close(self) -> None:
        """Stop previewing. A flusher still queued for a turn is dropped (its turn goes to others);
        an edit already in flight is awaited, so it cannot land after the final text."""
        self._closed = True
        if self._flusher is not None:
            if not self._applying:
                self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
