"""Generating both sides of one battle turn: concurrently, streamed, each with its own time limit.

If one side fails (provider error or timeout) the other is cancelled at once, which closes its
network stream: a void battle should not keep paying for a reply nobody will judge.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from arenabot.config import ModelSettings
from arenabot.domain import Message, Side
from arenabot.ports import ChatPlatform, ReplyStream
from arenabot.providers import Completion, ProviderError
from arenabot.render import SIDE_LABELS, hidden_reply, replaces_previews
from arenabot.replytext import DEFAULT_MAX_CHARS, ReplyText, capped
from arenabot.screening import Flag, ReplyScreen

log = logging.getLogger(__name__)


class Completer(Protocol):
    """The provider hub, or anything that reports on it (the arena's shared state does)."""

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: Any = None) -> Completion: ...


# Said when a side is cancelled: the other side failed, a moderator voided it, or shutdown.
STOPPED_NOTE = "_(stopped before finishing)_"


@dataclass
class SideResult:
    side: Side
    text: str = ""
    completion: Completion | None = None
    error: str | None = None  # safe to show in the thread; never names the model
    detail: str | None = None  # the provider's full message (names the model): logs and the turn record only
    stopped: bool = False  # cancelled because the other side failed
    latency_s: float | None = None
    flag: Flag | None = None  # the content check flagged the finished reply: it is shown hidden

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stopped and self.flag is None


async def _stream_side(
    hub: Completer,
    stream: ReplyStream,
    side: Side,
    model: ModelSettings,
    messages: Sequence[Message],
    timeout_s: float,
    max_chars: int = DEFAULT_MAX_CHARS,
    screen: ReplyScreen | None = None,
    previews: bool = True,
    hide: Callable[[str, Flag], str] | None = None,
) -> SideResult:
    result = SideResult(side)
    started = time.perf_counter()
    reply = ReplyText(max_chars)
    shown = ""  # what the platform was shown so far (checked by the screen, when there is one)

    async def on_delta(piece: str) -> None:
        nonlocal previews, shown
        if reply.add(piece) and previews:
            text = reply.text
            if screen is not None and screen.quick(text) is not None:
                previews = False  # a listed word: the rest is shown only as the final verdict says
                return
            shown = text
            await stream.update(text)

    try:
        async with asyncio.timeout(timeout_s):
            result.completion = await hub.complete(model, messages, on_delta)
        result.text = capped(result.completion.text, max_chars) if result.completion.text else reply.text
        if screen is not None and result.text:
            result.flag = await screen.final(result.text)
    except TimeoutError:
        result.error = f"no complete answer within {timeout_s:g} seconds"
    except ProviderError as exc:
        result.error = exc.public_message  # the thread is still blind
        result.detail = exc.user_message
        log.warning("battle side %s failed: %s", side.value, exc.user_message)
    except asyncio.CancelledError:
        result.stopped = True
        result.text = reply.text
        # Unchecked text is never shown: with a screen, only what was already on screen stays.
        visible = shown if screen is not None else result.text
        await asyncio.shield(_finish_quietly(stream, (visible + "\n\n" if visible else "") + STOPPED_NOTE))
        raise
    except Exception:  # a backend bug must not take the bot down
        log.exception("model %s failed unexpectedly", model.name)
        result.error = "unexpected error while generating"
    result.latency_s = time.perf_counter() - started
    if result.completion is None:
        result.text = reply.text  # what arrived before the failure
    if result.error:
        visible = shown if screen is not None else result.text
        failed = (visible + "\n\n" if visible else "") + f"_({SIDE_LABELS[side]} failed: {result.error})_"
        await _finish_quietly(stream, failed)
    elif result.flag is not None and hide is not None:
        await _finish_quietly(stream, hide(result.text, result.flag))
    else:
        await _finish_quietly(stream, result.text)
    return result


async def _finish_quietly(stream: ReplyStream, text: str) -> None:
    try:
        await stream.finish(text)
    except Exception:
        log.exception("could not finish a reply message")


async def generate_turn(
    hub: Completer,
    platform: ChatPlatform,
    thread_ref: str,
    models: dict[Side, ModelSettings],
    histories: dict[Side, list[Message]],
    timeout_s: float,
    max_chars: int = DEFAULT_MAX_CHARS,
    screen: ReplyScreen | None = None,
) -> dict[Side, SideResult]:
    """Stream both replies into the thread; returns each side's result (failed/stopped/flagged
    ones too). A flagged reply is shown hidden as the platform can (render.hidden_reply) and,
    like a failure, stops the other side."""
    # A platform that cannot replace a preview sees a remotely checked reply only once it passed.
    previews = screen is None or not screen.remote or replaces_previews(platform.name)
    hide = functools.partial(hidden_reply, platform.name) if screen is not None else None
    # Placeholders in a fixed order, so Model A always appears above Model B.
    streams = {side: await platform.start_reply(thread_ref, SIDE_LABELS[side]) for side in (Side.A, Side.B)}
    tasks = {
        side: asyncio.create_task(
            _stream_side(hub, streams[side], side, models[side], histories[side], timeout_s, max_chars, screen, previews, hide)
        )
        for side in (Side.A, Side.B)
    }
    results: dict[Side, SideResult] = {}
    try:
        pending = set(tasks.values())
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if any(not t.cancelled() and not t.result().ok for t in done):
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                pending = set()
    finally:
        # Our own cancellation (shutdown) cancels both sides too.
        for task in tasks.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    for side, task in tasks.items():
        results[side] = SideResult(side, stopped=True) if task.cancelled() else task.result()
    return results
