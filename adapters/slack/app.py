"""Assembling the Bolt app: Web client with rate-limit retries, platform, listeners."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from arenabot.config import Settings

from .listeners import ArenaListeners
from .platform import SlackPlatform
from .ratelimits import PacedWebClient, SlackLimits
from .replies import ReplySender
from .users import UserDirectory

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

SLACK_API = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 5
# Bolt copies a level onto the logger named after the app, and onto its own loggers, on every
# request. The name must not be "arenabot" (that would freeze our package's level at the root's),
# and the base logger has no level of its own, so Bolt's loggers follow the configured level.
BOLT_APP_NAME = "arenabot-slack"
BOLT_LOGGER = "arenabot.adapters.slack.bolt"


def make_client(
    token: str, api_base: str | None = None, session: aiohttp.ClientSession | None = None, limits: SlackLimits | None = None
) -> PacedWebClient:
    """A Web API client that keeps Slack's rate limits (`limits`, the published ones by default)
    and still waits out a 429 (Retry-After) before retrying.

    Pass a long-lived `session` in production: without one every call opens a new connection
    (and TLS handshake)."""
    base_url = api_base or SLACK_API
    client = PacedWebClient(
        token=token, base_url=base_url if base_url.endswith("/") else base_url + "/", session=session, limits=limits
    )
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


@dataclass
class SlackArena:
    app: AsyncApp
    platform: SlackPlatform
    listeners: ArenaListeners


def build_app(
    settings: Settings,
    service: ArenaService,
    client: AsyncWebClient,
    *,
    signing_secret: str | None = None,
    edit_interval: float = 1.0,
) -> SlackArena:
    """The Bolt app wired to `service`. With a signing secret, HTTP requests are verified
    (HTTP mode); without one the app only takes Socket Mode envelopes."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=bool(signing_secret),
        name=BOLT_APP_NAME,
        logger=logging.getLogger(BOLT_LOGGER),
    )
    platform = SlackPlatform(client, edit_interval=edit_interval)
    users = UserDirectory(client, settings.slack.admin_users, settings.slack.admin_usergroups)
    listeners = ArenaListeners(service, platform, users, ReplySender(client))
    listeners.register(app)
    return SlackArena(app=app, platform=platform, listeners=listeners)
