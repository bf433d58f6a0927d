"""Graceful shutdown of the arena: refuse new work, let in-flight turns finish, void the rest.

`ShutdownGate.install(service)` stands in front of `start_battle` and `follow_up` (the two calls
that start generating). Once `close()` is called they refuse with `RESTARTING`; `drain()` waits
for the calls already running, up to a deadline, then cancels them, which makes the core void
their battles ("interrupted: ..."). Tracking the calls themselves, not the tasks they run in, lets
an adapter that handles events inline in one long-lived task (the console) drain correctly.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arenabot.replies import refuse

log = logging.getLogger(__name__)

VOID_TIMEOUT_S = 30.0
RESTARTING = "The arena is restarting, so no new battle or turn can start right now. Please try again in a minute."


class ShutdownGate:
    def __init__(self) -> None:
        self.closing = False
        self._running: dict[int, asyncio.Task[Any] | None] = {}
        self._next = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._hurry = asyncio.Event()
        self.platforms: dict[str, Any] = {}  # by name, to tell interrupted threads what happened

    def install(self, service: Any) -> None:
        async def start_refusal(*_: Any) -> Any:
            return refuse(RESTARTING)

        service.start_battle = self._guard(service.start_battle, start_refusal)

        async def follow_up_refusal(platform: Any, thread_ref: str, actor: Any, *rest: Any) -> Any:
            # Adapters pass every thread message here; only a battle's creator gets an answer.
            battle = await service.store.battle_by_thread(platform.name, thread_ref)
            if battle is None or actor.is_bot or actor.user_ref != battle.creator_ref:
                return None
            return refuse(RESTARTING)

        service.follow_up = self._guard(service.follow_up, follow_up_refusal)

    def _guard(self, call: Callable[..., Awaitable[Any]], refusal: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(call)
        async def guarded(platform: Any, *args: Any, **kwargs: Any) -> Any:
            if self.closing:
                return await refusal(platform, *args)
            self.platforms.setdefault(getattr(platform, "name", ""), platform)
            key = self._next
            self._next += 1
            self._running[key] = asyncio.current_task()
            self._idle.clear()
            try:
                return await call(platform, *args, **kwargs)
            finally:
                self._running.pop(key, None)
                if not self._running:
                    self._idle.set()

        return guarded

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
