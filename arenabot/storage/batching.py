"""`Batcher`: calls that arrive while others are on the wire go to the database together.

On PostgreSQL a round trip costs the client more than the work of a small statement inside the
database (on a busy 2-core machine, a `SELECT 1` through asyncpg cost about 300 us of client CPU),
so what lifts throughput is fewer round trips. A batcher sends the first call at once; the calls
that arrive meanwhile are sent as one statement (`many`), up to `max_batch` of them, with at
most `max_in_flight` statements on the wire. If a batch fails, its statement wrote nothing (one
statement is one transaction) and each call is sent again on its own (`one`), so each caller gets
its own result or its own error, never another caller's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")


class Batcher(Generic[A, R]):
    def __init__(
        self,
        one: Callable[[A], Awaitable[R]],
        many: Callable[[list[A]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 32,
        max_in_flight: int = 4,
        key: Callable[[A], Hashable] | None = None,
    ):
        self._one, self._many = one, many
        self._key = key
        self._max_batch, self._max_in_flight = max_batch, max_in_flight
        self._queued: list[tuple[A, asyncio.Future[R]]] = []
        self._in_flight = 0
        self._senders: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    async def submit(self, args: A) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.append((args, future))
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            sender = asyncio.get_running_loop().create_task(self._send_queued())
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        return await future

    async def _send_queued(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[: self._max_batch], self._queued[self._max_batch :]
                await self._send(batch)
        finally:
            self._in_flight -= 1

    async def _send(self, batch: list[tuple[A, asyncio.Future[R]]]) -> None:
        # A caller cancelled before its call was sent gets nothing written; one cancelled while
        # its batch runs finds the write done, as with any awaited statement.
        batch = [job for job in batch if not job[1].cancelled()]
        if len(batch) > 1:
            try:
                results = await self._many([args for args, _ in batch])
            except Exception:
                pass  # nothing of the batch was written: each on its own below
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
                return
        if self._key is None or len(batch) == 1:
            await self._one_by_one(batch)
            return
        # Calls of different keys are independent: after a failed batch, each key's calls go as
        # their own batch, all keys at once, so one key's trouble (a lock held elsewhere) does
        # not hold up the others; one key's calls keep their order.
        groups: dict[Hashable, list[tuple[A, asyncio.Future[R]]]] = {}
        for job in batch:
            groups.setdefault(self._key(job[0]), []).append(job)
        if len(groups) == 1:
            await self._one_by_one(batch)
            return
        await asyncio.gather(*(self._send(group) for group in groups.values()))

    async def _one_by_one(self, batch: list[tuple[A, asyncio.Future[R]]]) -> None:
        for args, future in batch:
            try:
                result = await self._one(args)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)
