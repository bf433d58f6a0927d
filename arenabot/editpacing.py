"""Streaming one reply into one message under a budget shared by every reply on the platform.

Updates are coalesced: only the newest text matters, and it is read when the shared
`RateLimiter` grants this message its turn, so a reply that waited long shows everything that
arrived meanwhile. Waiting replies take turns oldest first; one reply is edited no more often
than `min_interval`. The final text jumps the queue of previews and is always written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from arenabot.ratelimit import Quota, RateLimiter

log = logging.getLogger(__name__)

Apply = Callable[[str], Awaitable[None]]


class PacedEditor:
    def __init__(
        self,
        limiter: RateLimiter,
        quotas: Sequence[Quota],
        apply: Apply,
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError("edit interval must be >= 0 seconds")
        self._limiter = limiter
        self._quotas = tuple(quotas)
        self._apply = apply
        self._min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._latest: str | None = None
        self._last_edit = float("-inf")
        self._flusher: asyncio.Task[None] | None = None
        self._applying = False
        self._closed = False

    def submit(self, text: str) -> None:
        """The full text so far; shown when this message's turn comes (or replaced by a newer one)."""
        if self._closed:
            return
        self._latest = text
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._latest is not None and not self._closed:
            rest = self._last_edit + self._min_interval - self._clock()
            if rest > 0:
                await self._sleep(rest)
            async with self._limiter.slot(self._quotas, prepay=True):
                text, self._latest = self._latest, None
                if text is None or self._closed:
                    return
                self._applying = True
                try:
                    await self._apply(text)
                except Exception:  # a lost preview is harmless: the final text is written anyway
                    log.warning("streaming edit failed; the final text will still be written", exc_info=True)
                finally:
                    self._applying = False
                    self._last_edit = self._clock()

    async def finish(self, text: str, apply: Apply | None = None) -> None:
        """Write the final text (with `apply`, when it differs from a preview edit), ahead of every
        waiting preview. A queued preview of this message is dropped; one in flight is awaited,
        so it cannot land after the final text."""
        self._closed = True
        if self._flusher is not None:
            if not self._applying:
                self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        async with self._limiter.slot(self._quotas, urgent=True, prepay=True):
            await (apply or self._apply)(text)
