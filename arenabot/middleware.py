"""A chain of middlewares around the core's entry points, in the spirit of slack-bolt's
`async_process(req, resp, next)`.

Each entry point (start a battle, follow up, vote, unvote) describes itself as a `Call` and
runs its work through the chain: a middleware may answer instead (a refusal), or await `next()`
and look at or replace what comes back. Bans and rate limits are core middlewares; the process
supervisor adds its shutdown gate; later features (voter quality) add theirs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from arenabot.domain import Actor
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply

Entry = Literal["start_battle", "follow_up", "vote", "unvote"]
Next = Callable[[], Awaitable["Reply | None"]]


@dataclass(frozen=True)
class Call:
    entry: Entry
    platform: ChatPlatform
    actor: Actor
    scope_key: str
    battle_id: int | None = None  # known for follow-ups and votes
    text: str = ""  # the prompt or follow-up the models would be sent (content checks read it)


class Middleware(Protocol):
    async def __call__(self, call: Call, next: Next) -> Reply | None: ...


class MiddlewareChain:
    def __init__(self, middlewares: list[Middleware] | None = None):
        self._middlewares: list[Middleware] = list(middlewares or [])

    def add(self, middleware: Middleware, *, first: bool = False) -> None:
        """`first`: run before every middleware already there (a gate that must see every call)."""
        if first:
            self._middlewares.insert(0, middleware)
        else:
            self._middlewares.append(middleware)

    def __iter__(self) -> Iterator[Middleware]:
        return iter(list(self._middlewares))

    async def run(self, call: Call, endpoint: Next) -> Reply | None:
        middlewares = list(self._middlewares)

        async def step(index: int) -> Reply | None:
            if index == len(middlewares):
                return await endpoint()
            return await middlewares[index](call, lambda: step(index + 1))

        return await step(0)
