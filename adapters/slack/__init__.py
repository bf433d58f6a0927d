"""Slack adapter: the arena in Slack workspaces on slack-bolt's AsyncApp.

`run(settings, service)` serves until cancelled, in Socket Mode (default: an app-level token, no
public URL) or HTTP mode (the Events API on `[slack] http_port`, requests verified with the
signing secret; run several processes behind a load balancer over one PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from arenabot.config import ConfigError, Settings

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

    from .app import SlackArena

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SHUTDOWN_GRACE_S = 10.0
REPORTS_READINESS = True  # /readyz (arenabot.ops) waits for our report that Slack is connected


def _required_secret(settings: Settings, env_var: str, what: str) -> str:
    value = settings.secret(env_var)
    if not value:
        raise ConfigError("slack", [f"{env_var} is not set: export it with the {what} (see docs/slack.md)"])
    return value


@dataclass(frozen=True)
class SlackSecrets:
    bot_token: str
    app_token: str | None  # Socket Mode
    signing_secret: str | None  # HTTP mode


def secrets(settings: Settings) -> SlackSecrets:
    """The tokens the configured mode needs, or a ConfigError naming the missing variable."""
    http_mode = settings.slack.mode == "http"
    return SlackSecrets(
        bot_token=_required_secret(settings, settings.slack.bot_token_env, "bot token (xoxb-...)"),
        app_token=None
        if http_mode
        else _required_secret(settings, settings.slack.app_token_env, "app-level token (xapp-...) with connections:write"),
        signing_secret=_required_secret(settings, settings.slack.signing_secret_env, "app's signing secret")
        if http_mode
        else None,
    )


async def run(settings: Settings, service: ArenaService) -> None:
    """Connect to Slack and serve the arena until cancelled."""
    from .app import build_app, make_client

    tokens = secrets(settings)
    async with aiohttp.ClientSession() as session:
        client = make_client(tokens.bot_token, settings.slack.api_base, session)
        arena = build_app(settings, service, client, signing_secret=tokens.signing_secret)
        await _check_scopes(client)
        service.attach_platform(arena.platform)  # the supervisor's scheduler sweeps it from now on
        try:
            ready = partial(_report_ready, service)
            if tokens.signing_secret:
                await _serve_http(arena.app, settings.slack.http_port, ready)
            else:
                await _serve_socket_mode(arena.app, tokens.app_token or "", ready)
        finally:
            _report_ready(service, False)
            service.detach_platform(arena.platform)
            # No new events arrive now; give the ones being handled a moment to finish.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_settle(arena), SHUTDOWN_GRACE_S)


async def _check_scopes(client: Any) -> None:
    """Name the scopes the app was installed without, once, at start-up (`/arena doctor` too)."""
    from .scopes import missing_scopes, missing_scopes_text

    missing = await missing_scopes(client)
    if missing:
        log.warning("Slack: %s", missing_scopes_text(missing))


async def _settle(arena: SlackArena) -> None:
    await arena.listeners.wait_idle()


def _report_ready(service: ArenaService, connected: bool) -> None:
    service.readiness.report("slack", connected)


async def _serve_socket_mode(app: Any, app_token: str, ready: Callable[[bool], None]) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    try:
        await handler.connect_async()
        ready(True)
        log.info("Slack: connected in Socket Mode")
        await asyncio.Event().wait()
    finally:
        await handler.close_async()


async def _healthy(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _serve_http(app: Any, port: int, ready: Callable[[bool], None]) -> None:
    from .http import events_app

    web_app = events_app(app, EVENTS_PATH, port)
    web_app.router.add_get(HEALTH_PATH, _healthy)  # for the load balancer's health checks
    runner = web.AppRunner(web_app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host="0.0.0.0", port=port).start()
        ready(True)
        log.info("Slack: serving the Events API on port %d at %s", port, EVENTS_PATH)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
