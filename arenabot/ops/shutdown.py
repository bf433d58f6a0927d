"""Graceful shutdown of the arena: refuse new work, let in-flight turns finish, void the rest.

`ShutdownGate` is a middleware (arenabot/middleware.py) in front of `start_battle` and
`follow_up`, the two calls that start generating. Once `close()` is called they refuse with `RESTARTING`; `drain()` waits
for the calls already running, up to a deadline, then cancels them, which makes the core void
their battles ("interrupted: ..."). Tracking the calls themselves, not the tasks they run in, lets
an adapter that handles events inline in one long-lived task (the console) drain correctly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arenabot.middleware import Call, Next
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse

log = logging.getLogger(__name__)

VOID_TIMEOUT_S = 30.0
GUARDED = frozenset({"start_battle", "follow_up"})
RESTARTING = "The arena is restarting, so no new battle or turn can start right now. Please try again in a minute."


class ShutdownGate:
    def __init__(self) -> None:
        self.closing = False
        self._running: dict[int, asyncio.Task[Any] | None] = {}
        self._next = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._hurry = asyncio.Event()
        self.platforms: dict[str, ChatPlatform] = {}  # by name, to tell interrupted threads what happened

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        if call.entry not in GUARDED:
            return await next()
        if self.closing:
            return refuse(RESTARTING)
        self.platforms.setdefault(call.platform.name, call.platform)
        key = self._next
        self._next += 1
        self._running[key] = asyncio.current_task()
        self._idle.clear()
        try:
            return await next()
        finally:
            self._running.pop(key, None)
            if not self._running:
                self._idle.set()

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def close(self) -> None:
        self.closing = True

    def hurry(self) -> None:
        """End the grace period now (a second signal: the operator does not want to wait)."""
        self._hurry.set()

    async def drain(self, grace_seconds: float) -> int:
        """Wait up to `grace_seconds` for running calls; cancel the rest. Returns how many were cancelled."""
        idle, hurry = asyncio.ensure_future(self._idle.wait()), asyncio.ensure_future(self._hurry.wait())
        try:
            await asyncio.wait({idle, hurry}, timeout=grace_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
            hurry.cancel()
        if not self._running:
            return 0
        late = {t for t in self._running.values() if t is not None and t is not asyncio.current_task() and not t.done()}
        log.warning("shutdown: %d battle turn(s) still generating; voiding them", len(late))
        for task in late:
            task.cancel()
        # The core voids each cancelled battle on its way out; wait until it has.
        await asyncio.wait(late, timeout=VOID_TIMEOUT_S)
        return len(late)
