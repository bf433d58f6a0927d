"""The streaming engine shared by every HTTP API: deadlines, retries, reasoning, and the Completion.

One call = up to `1 + limits.max_retries` attempts within `limits.total_timeout_s`. An attempt
may be retried only while nothing was shown to voters. One `StreamDeadline` per attempt follows
the stream: queue and first token share one deadline, then each chunk opens a new stall window,
and the total deadline caps them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Awaitable, Callable, Sequence

import aiohttp

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers import failures
from arenabot.providers.base import Completion, OnDelta, ProviderError
from arenabot.providers.deadline import StreamDeadline
from arenabot.providers.dialect import Dialect, HttpRequest, StreamState, base_url
from arenabot.providers.errors import ContentFiltered, EmptyCompletion, RateLimited, is_retryable
from arenabot.providers.http import HttpClient
from arenabot.providers.reasoning import ThinkFilter
from arenabot.providers.sse import KEEPALIVE, sse_events

log = logging.getLogger("arenabot.providers")

Sleep = Callable[[float], Awaitable[None]]
_ERROR_BODY_LIMIT = 64 * 1024


class _Attempt:
    """The state of one HTTP attempt: what was shown to voters and what was hidden from them."""

    def __init__(self, call_started: float, show_reasoning: bool):
        self.call_started = call_started
        self.parts: list[str] = []
        self.reasoning: list[str] = []
        self.first_token_s: float | None = None  # first visible text, from the start of the call
        self.got_token = False  # any token, reasoning included: the first-token deadline is met
        self.think = None if show_reasoning else ThinkFilter()
        self.reasoning_open = False  # showing a reasoning field inside <think>...</think>


class StreamingProvider:
    """A `Provider` for one wire dialect (OpenAI-compatible, Anthropic or Gemini)."""

    def __init__(
        self,
        dialect: Dialect,
        http: HttpClient,
        *,
        sleep: Sleep = asyncio.sleep,
        concurrency: Callable[[ModelSettings], int] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.dialect = dialect
        self._http = http
        self._sleep = sleep
        self._concurrency = concurrency or (lambda model: model.limits.max_concurrency)
        self._jitter = jitter

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None) -> Completion:
        api_key = None
        if model.api_key_env:
            api_key = os.environ.get(model.api_key_env)
            if not api_key:
                raise failures.missing_key(model)
        request = self.dialect.build_request(model, messages, api_key)
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + model.limits.total_timeout_s
        retries = 0
        while True:
            attempt = _Attempt(started, model.show_reasoning)
            try:
                return await self._attempt(model, request, api_key, deadline, attempt, on_delta)
            except ProviderError as error:
                delay = self._retry_delay(model, error, retries, attempt, deadline - loop.time())
                if delay is None:
                    raise
                retries += 1
                log.warning(
                    "%s: %s (%s); retry %d of %d in %.2fs",
                    model.name,
                    error.kind,
                    error.user_message,
                    retries,
                    model.limits.max_retries,
                    delay,
                )
                await self._sleep(delay)

    def _retry_delay(
        self, model: ModelSettings, error: ProviderError, retries: int, attempt: _Attempt, time_left: float
    ) -> float | None:
        limits = model.limits
        if attempt.parts or not is_retryable(error) or retries >= limits.max_retries:
            return None
        backoff = limits.retry_backoff_s * (2**retries)
        if isinstance(error, RateLimited) and error.retry_after is not None:
            if error.retry_after > limits.max_retry_after_s:
                return None
            # Never earlier than asked; a little jitter so waiting callers do not return together.
            delay = error.retry_after + limits.retry_backoff_s * 0.2 * self._jitter()
        else:
            delay = backoff * (0.5 + 0.5 * self._jitter())
        return delay if delay < time_left else None

    async def _attempt(
        self,
        model: ModelSettings,
        request: HttpRequest,
        api_key: str | None,
        deadline: float,
        attempt: _Attempt,
        on_delta: OnDelta | None,
    ) -> Completion:
        limits = model.limits
        loop = asyncio.get_running_loop()
        state = StreamState(model.name)
        response: aiohttp.ClientResponse | None = None
        finished = False
        timer = StreamDeadline(deadline)
        try:
            async with timer:
                first_token_by = loop.time() + limits.first_token_timeout_s
                timer.until(first_token_by, "queue")
                async with self._http.slot((self.dialect.name, base_url(model, self.dialect)), self._concurrency(model)):
                    timer.until(first_token_by, "first_token")
                    response = await self._http.session.post(
                        request.url,
                        json=request.body,
                        headers=request.headers,
                        timeout=aiohttp.ClientTimeout(
                            total=None, connect=limits.connect_timeout_s, sock_connect=limits.connect_timeout_s
                        ),
                    )
                    if response.status != 200:
                        body = await _read_limited(response.content, _ERROR_BODY_LIMIT)
                        raise failures.http_error(
                            model, request.url, response.status, body, response.headers.get("Retry-After"), api_key
                        )
                    if response.content_type in ("application/json", "text/html"):
                        raise failures.not_streaming(model, self.dialect.name, response.content_type)
                    async for event in sse_events(response.content):
                        if event is not KEEPALIVE:
                            try:
                                text, reasoning = self.dialect.read_event(event, state)
                            except (ValueError, LookupError, TypeError, AttributeError):  # bad JSON, or JSON of the wrong shape
                                raise failures.malformed(model, self.dialect.name) from None
                            if text or reasoning:
                                if not attempt.got_token:
                                    timer.stall(limits.stall_timeout_s)
                                await self._emit(model, attempt, text, reasoning, on_delta)
                        timer.touch()
                    await self._flush(attempt, on_delta)
                    finished = True
        except aiohttp.ConnectionTimeoutError:
            raise failures.timed_out(model, "connect", request.url) from None
        except TimeoutError:
            raise failures.timed_out(model, timer.phase, request.url) from None
        except aiohttp.ClientConnectorError as exc:
            raise failures.connect_failed(model, request.url) from exc
        except aiohttp.ClientError as exc:  # payload cut short, server disconnected, connection reset
            raise failures.dropped(model) from exc
        finally:
            if response is not None:
                if finished:
                    response.release()  # back to the pool
                else:
                    response.close()  # an error or a cancelled battle drops the connection at once
        return self._finish(model, attempt, state, loop.time())

    async def _emit(self, model: ModelSettings, attempt: _Attempt, text: str, reasoning: str, on_delta: OnDelta | None) -> None:
        attempt.got_token = True
        visible = ""
        if reasoning:
            attempt.reasoning.append(reasoning)
            if model.show_reasoning:
                visible = reasoning if attempt.reasoning_open else "<think>" + reasoning
                attempt.reasoning_open = True
        if text:
            if attempt.think is not None:
                text, hidden = attempt.think.feed(text)
                if hidden:
                    attempt.reasoning.append(hidden)
            elif attempt.reasoning_open:
                text = "</think>\n\n" + text
                attempt.reasoning_open = False
            visible += text
        if visible:
            await self._show(attempt, visible, on_delta)

    async def _show(self, attempt: _Attempt, visible: str, on_delta: OnDelta | None) -> None:
        if attempt.first_token_s is None:
            attempt.first_token_s = asyncio.get_running_loop().time() - attempt.call_started
        attempt.parts.append(visible)
        if on_delta is not None:
            await on_delta(visible)

    async def _flush(self, attempt: _Attempt, on_delta: OnDelta | None) -> None:
        """The stream is over: release text held back as a possible tag, close a shown reasoning block."""
        tail = ""
        if attempt.think is not None:
            tail, hidden = attempt.think.flush()
            if hidden:
                attempt.reasoning.append(hidden)
        elif attempt.reasoning_open:
            tail, attempt.reasoning_open = "</think>", False
        if tail:
            await self._show(attempt, tail, on_delta)

    def _finish(self, model: ModelSettings, attempt: _Attempt, state: StreamState, now: float) -> Completion:
        if not state.complete:
            raise failures.ended_early(model)
        text = "".join(attempt.parts)
        if state.finish_reason == "content_filter":
            raise ContentFiltered(
                model.name, f"{model.name}'s provider stopped the reply with its content filter; try a different prompt", text
            )
        if not text.strip():
            hint = (
                " (it used its whole max_tokens before answering: raise max_tokens in params)"
                if state.finish_reason == "length"
                else ""
            )
            raise EmptyCompletion(model.name, f"{model.name} returned an empty reply{hint}; try again")
        return Completion(
            text=text,
            finish_reason=state.finish_reason or "stop",
            prompt_tokens=state.prompt_tokens,
            completion_tokens=state.completion_tokens,
            latency_s=now - attempt.call_started,
            first_token_s=attempt.first_token_s,
            reasoning="".join(attempt.reasoning),
        )


async def _read_limited(content: aiohttp.StreamReader, limit: int) -> bytes:
    """An error body, whole unless it is absurdly long."""
    pieces: list[bytes] = []
    size = 0
    while size < limit and (piece := await content.read(limit - size)):
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)
