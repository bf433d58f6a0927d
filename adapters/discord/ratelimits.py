"""Discord's REST rate limits, kept by every request the bot makes, before Discord has to say 429.

Sources (checked 2026-12):
- https://docs.discord.com/developers/topics/rate-limits : per-route limits, counted per
  top-level resource (channel, guild, webhook) and shared by routes with the same
  X-RateLimit-Bucket; a global limit across all routes; 429 with `retry_after`. Interaction
  endpoints are not bound by the global limit. Discord asks bots to read the headers rather than
  hard-code figures: discord.py does (it waits when X-RateLimit-Remaining reaches 0), and the
  figures below are the ones those headers carry for these routes.
- https://support-dev.discord.com/hc/en-us/articles/6223003921559 : "Global Rate Limits ...
  50 requests per second across most endpoints".

discord.py keeps each per-route bucket once it has seen the headers, but it learns the global
limit only from a 429, and a queued edit would go out with stale text. So every request also
passes a `RateLimiter` here (an aiohttp trace hook, `http_trace`), and streamed edits take their
slot before they read the newest text (`arenabot.editpacing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

from arenabot.ratelimit import Limit, Quota, RateLimiter


@dataclass(frozen=True)
class RouteLimit:
    bucket: str  # routes sharing a bucket share its count, per top-level resource
    method: str
    pattern: re.Pattern[str]  # matches the path after /api/v10; group 1 is the top-level resource id
    limit: Limit


def _route(bucket: str, method: str, pattern: str, calls: int, period: float) -> RouteLimit:
    return RouteLimit(bucket, method, re.compile(pattern), Limit(calls, period))


_MESSAGE = r"^/channels/(\d+)/messages(?:/\d+)?$"
_REACTION = r"^/channels/(\d+)/messages/\d+/reactions/.+$"


@dataclass(frozen=True)
class DiscordLimits:
    global_limit: Limit = Limit(50, 1.0)
    routes: tuple[RouteLimit, ...] = field(
        default_factory=lambda: (
            # Sending, editing and deleting messages: 5 per 5 s per channel (a battle's thread is its own channel).
            _route("messages", "POST", _MESSAGE, 5, 5.0),
            _route("messages", "PATCH", _MESSAGE, 5, 5.0),
            _route("messages", "DELETE", _MESSAGE, 5, 5.0),
            # Adding or removing reactions: 1 per 0.25 s per channel.
            _route("reactions", "PUT", _REACTION, 1, 0.25),
            _route("reactions", "DELETE", _REACTION, 1, 0.25),
            # Creating threads in a channel.
            _route("threads", "POST", r"^/channels/(\d+)/threads$", 5, 5.0),
        )
    )

    def faster(self, factor: float) -> DiscordLimits:
        """Every window `factor` times shorter (tests and benches at scale)."""
        return DiscordLimits(
            self.global_limit.faster(factor),
            tuple(RouteLimit(r.bucket, r.method, r.pattern, r.limit.faster(factor)) for r in self.routes),
        )

    def for_shards(self, shard_ids: list[int] | None, shard_count: int | None) -> DiscordLimits:
        """This process's part of the global limit, which counts the bot's requests from every
        process: a process running k of n shards keeps k/n of it. Per-channel buckets need no
        sharing, since a channel's guild lives on exactly one shard."""
        if not shard_ids or not shard_count or len(shard_ids) >= shard_count:
            return self
        calls = max(1, self.global_limit.calls * len(shard_ids) // shard_count)
        return DiscordLimits(Limit(calls, self.global_limit.period), self.routes)

    def route(self, method: str, path: str) -> tuple[RouteLimit, str] | None:
        """The route limit a request falls under, with its top-level resource id."""
        for route in self.routes:
            match = route.pattern.match(path) if route.method == method else None
            if match:
                return route, match.group(1)
        return None

    def quotas(self, method: str, path: str) -> list[Quota]:
        """What a request to `path` (after /api/vN) counts against."""
        if path.startswith(("/interactions/", "/webhooks/")):
            return []  # interaction responses: their own limits, never the global one
        quotas = [Quota("global", self.global_limit)]
        found = self.route(method, path)
        if found is not None:
            route, resource = found
            quotas.append(Quota(f"{route.bucket}:{resource}", route.limit))
        return quotas


_API_PATH = re.compile(r"^/api(?:/v\d+)?(/.*)$")


def api_path(url_path: str) -> str | None:
    """The REST route of a request URL path, or None for anything else (the gateway)."""
    match = _API_PATH.match(url_path)
    return match.group(1) if match else None


def rate_limit_trace(limiter: RateLimiter, limits: DiscordLimits) -> aiohttp.TraceConfig:
    """An aiohttp trace hook for discord.py's `http_trace`: each REST request waits for its slot
    before it is sent, and frees it when the response (or an error) comes back."""

    async def start(session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        path = api_path(params.url.path)
        ctx.grant = await limiter.acquire(limits.quotas(params.method, path)) if path is not None else None

    async def end(session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        limiter.release(getattr(ctx, "grant", None))
        ctx.grant = None

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(start)
    trace.on_request_end.append(end)
    trace.on_request_exception.append(end)
    return trace
