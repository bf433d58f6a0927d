"""A platform's published rate limits, shared by every call the bot makes on that platform.

A call names the quotas it counts against, e.g. Slack's `chat.update` for the whole workspace,
or Discord's global budget plus one channel's message bucket, and waits until each has room.
Waiters are served oldest first, urgent ones (a reply's final text) before the rest, and one
blocked on a busy key never holds up a later one whose keys are free.

A slot counts from the moment it is granted until `period` after the call *ended*: the server
saw the request somewhere in between, so no window on its side can ever hold more than `calls`
requests, whatever the network delay.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    """At most `calls` requests in any `period` seconds."""

    calls: int
    period: float

    def __post_init__(self) -> None:
        if self.calls < 1 or self.period <= 0:
            raise ValueError(f"a rate limit needs calls >= 1 and period > 0, not {self.calls}/{self.period}")

    def faster(self, factor: float) -> Limit:
        """The same number of calls in `period / factor` (benches and tests run the clock faster)."""
        return Limit(self.calls, self.period / factor)


@dataclass(frozen=True)
class Quota:
    key: str  # what the platform counts separately, e.g. "chat.update" or "PATCH /channels/42/messages"
    limit: Limit


class _Window:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.in_flight = 0
        self.ended: deque[float] = deque()  # end times of calls still inside the window

    def free_at(self, now: float) -> float:
        """When a slot is free: `now`, a later time, or inf (wait for a call in flight to end)."""
        while self.ended and self.ended[0] + self.limit.period <= now:
            self.ended.popleft()
        if self.in_flight + len(self.ended) < self.limit.calls:
            return now
        if self.in_flight >= self.limit.calls:
            return math.inf
        return self.ended[0] + self.limit.period

    @property
    def idle(self) -> bool:
        return self.in_flight == 0 and not self.ended


@dataclass(eq=False)
class Grant:
    quotas: tuple[Quota, ...]
    used: bool = False  # a prepaid grant covers one call only


@dataclass(eq=False)
class _Waiter:
    quotas: tuple[Quota, ...]
    future: asyncio.Future[Grant]
    order: int = field(default=0)


# The grant handed to the next call made in this task (see `RateLimiter.slot(prepay=True)`).
_prepaid: contextvars.ContextVar[Grant | None] = contextvars.ContextVar("arenabot_prepaid_grant", default=None)


class RateLimiter:
    """Sliding windows per quota key, with fair, non-blocking-across-keys waiting.

    `clock` and `sleep` are injectable for tests."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._windows: dict[str, _Window] = {}
        self._urgent: list[_Waiter] = []
        self._normal: list[_Waiter] = []
        self._timer: asyncio.Task[None] | None = None
        self._timer_at = math.inf
        self._order = 0

    @property
    def waiting(self) -> int:
        return len(self._urgent) + len(self._normal)

    async def acquire(self, quotas: Sequence[Quota], *, urgent: bool = False) -> Grant | None:
        """Wait for a slot in every quota; None when a prepaid grant already covers this call."""
        prepaid = _prepaid.get()
        if prepaid is not None and not prepaid.used and {q.key for q in quotas} <= {q.key for q in prepaid.quotas}:
            prepaid.used = True
            return None
        if not quotas:
            return Grant(())
        self._order += 1
        waiter = _Waiter(tuple(quotas), asyncio.get_running_loop().create_future(), self._order)
        (self._urgent if urgent else self._normal).append(waiter)
        self._dispatch()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self.release(waiter.future.result())  # granted just as we were cancelled: give it back
            else:
                self._drop(waiter)
            raise

    def release(self, grant: Grant | None) -> None:
        """The call ended (or failed): its slot frees `period` from now."""
        if grant is None:
            return
        now = self._clock()
        for quota in grant.quotas:
            window = self._windows[quota.key]
            window.in_flight -= 1
            window.ended.append(now)
        self._dispatch()

    @asynccontextmanager
    async def slot(self, quotas: Sequence[Quota], *, urgent: bool = False, prepay: bool = False) -> AsyncIterator[None]:
        """Hold a slot around one call. With `prepay`, the first call made inside the block that
        counts against these quotas (the transport asks `acquire` too) is already paid for."""
        grant = await self.acquire(quotas, urgent=urgent)
        token = _prepaid.set(grant) if prepay and grant is not None else None
        try:
            yield
        finally:
            if token is not None:
                _prepaid.reset(token)
            self.release(grant)

    # ----- granting ------------------------------------------------------------------------------
    def _window(self, quota: Quota) -> _Window:
        window = self._windows.get(quota.key)
        if window is None:
            window = self._windows[quota.key] = _Window(quota.limit)
        return window

    def _drop(self, waiter: _Waiter) -> None:
        for queue in (self._urgent, self._normal):
            if waiter in queue:
                queue.remove(waiter)
        self._dispatch()

    def _dispatch(self) -> None:
        now = self._clock()
        next_at = math.inf
        blocked: set[str] = set()  # keys an earlier waiter is waiting for: later ones may not jump it
        for queue in (self._urgent, self._normal):
            for waiter in list(queue):
                keys = {q.key for q in waiter.quotas}
                free_at = max(self._window(q).free_at(now) for q in waiter.quotas)
                if free_at <= now and not keys & blocked:
                    queue.remove(waiter)
                    for quota in waiter.quotas:
                        self._window(quota).in_flight += 1
                    waiter.future.set_result(Grant(waiter.quotas))
                else:
                    blocked |= {q.key for q in waiter.quotas if self._window(q).free_at(now) > now} or keys
                    next_at = min(next_at, free_at)
        self._forget_idle()
        if not self._urgent and not self._normal and self._timer is not None:
            self._timer.cancel()  # nobody left to wake
            self._timer, self._timer_at = None, math.inf
        if next_at < math.inf and next_at < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = next_at
            self._timer = asyncio.get_running_loop().create_task(self._wake_at(next_at))

    async def _wake_at(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)
        self._timer, self._timer_at = None, math.inf
        self._dispatch()

    def _forget_idle(self) -> None:
        # Per-channel keys come and go with battles: keep only windows that still hold something.
        if len(self._windows) > 64:
            waiting = {q.key for queue in (self._urgent, self._normal) for w in queue for q in w.quotas}
            for key in [k for k, w in self._windows.items() if w.idle and k not in waiting]:
                del self._windows[key]
