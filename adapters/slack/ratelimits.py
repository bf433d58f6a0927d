"""Slack's Web API rate limits, kept by every call the bot makes, before Slack has to say 429.

Source: https://api.slack.com/apis/rate-limits (checked 2026-12). Limits apply "per API method
per app per workspace": Tier 2 is 20+ calls a minute, Tier 3 50+, Tier 4 100+; each method's
reference page names its tier. `chat.postMessage` is special: "one message per second per
channel", short bursts allowed but not guaranteed to be shown. We keep the floor of each
figure (no bursts), so a workspace that allows more is simply not used to the full.

A 429 (`ratelimited` + Retry-After) is still waited out by the Web client's retry handler; with
these limits kept it should not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from arenabot.ratelimit import Limit, Quota, RateLimiter

TIER_2 = Limit(20, 60.0)
TIER_3 = Limit(50, 60.0)
TIER_4 = Limit(100, 60.0)
PER_CHANNEL_POSTS = Limit(1, 1.0)


@dataclass(frozen=True)
class SlackLimits:
    # The methods the arena calls, with the tier their reference pages give.
    methods: dict[str, Limit] = field(
        default_factory=lambda: {
            "chat.update": TIER_3,
            "chat.delete": TIER_3,
            "reactions.add": TIER_3,
            "conversations.join": TIER_3,
            "conversations.open": TIER_3,
            "chat.postEphemeral": TIER_4,
            "users.info": TIER_4,
            "usergroups.users.list": TIER_2,
            "files.getUploadURLExternal": TIER_4,
            "files.completeUploadExternal": TIER_4,
        }
    )
    posts_per_channel: Limit = PER_CHANNEL_POSTS  # chat.postMessage, per channel

    def faster(self, factor: float) -> SlackLimits:
        """Every window `factor` times shorter (tests and benches at scale)."""
        return SlackLimits({m: limit.faster(factor) for m, limit in self.methods.items()}, self.posts_per_channel.faster(factor))

    def quotas(self, method: str, channel: str | None) -> list[Quota]:
        """What one call of `method` (in `channel`, when it names one) counts against."""
        if method == "chat.postMessage":
            return [Quota(f"chat.postMessage:{channel}", self.posts_per_channel)] if channel else []
        limit = self.methods.get(method)
        return [Quota(method, limit)] if limit is not None else []


def _channel_of(*args: dict[str, Any] | Any) -> str | None:
    for arg in args:
        if isinstance(arg, dict) and isinstance(arg.get("channel"), str):
            return arg["channel"]
    return None


class PacedWebClient(AsyncWebClient):
    """The Web API client, with every call waiting for its slot under Slack's limits."""

    def __init__(self, *args: Any, limiter: RateLimiter | None = None, limits: SlackLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter or RateLimiter()
        self.limits = limits or SlackLimits()

    async def api_call(  # the SDK's parameters, unchanged
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        quotas = self.limits.quotas(api_method, _channel_of(json, data, params))
        async with self.limiter.slot(quotas):
            return await super().api_call(
                api_method, http_verb=http_verb, files=files, data=data, params=params, json=json, headers=headers, auth=auth
            )
