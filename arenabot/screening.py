"""What the battle code asks of a content check on the models' replies (the contentmod feature
provides it): a cheap check on every streamed preview, and a full one on the finished reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Flag:
    source: str  # "words" (the scope's word list) or "endpoint" (the moderation API)
    why: str  # safe to show: "word list", or the endpoint's categories ("harassment, violence")


class ReplyScreen(Protocol):
    # True when the full check calls a remote endpoint: a platform that cannot replace a
    # streamed preview is then shown the reply only once it has been checked.
    remote: bool

    def quick(self, text: str) -> Flag | None:
        """The word list on the text so far (no I/O): a flagged preview is never shown."""

    async def final(self, text: str) -> Flag | None:
        """Everything configured, on the finished reply. Never raises: a failing endpoint lets the
        reply through (the screen logs and counts it)."""


# The battle code's way to get the screen for a scope: None when nothing is configured there.
ScreenFor = Callable[[str], Awaitable["ReplyScreen | None"]]


async def no_screen(scope_key: str) -> ReplyScreen | None:
    return None
