"""`arenabot slack`: run only the Slack app, choosing Socket Mode or HTTP mode (and its port).

HTTP mode scales out: run `arenabot slack --mode http --port 3000` in several processes (or on
several machines) behind a load balancer, all with the same PostgreSQL `[database] url`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic loads in the handler, so defining the command stays instant
    from arenabot.config import Settings


def with_mode(settings: Settings, mode: str | None, port: int | None) -> Settings:
    update = {k: v for k, v in (("mode", mode), ("http_port", port)) if v is not None}
    slack = settings.slack.model_validate({**settings.slack.model_dump(), **update})
    return settings.model_copy(update={"slack": slack})


def _handle(args: argparse.Namespace) -> int:
    import asyncio

    from arenabot.config import ConfigError, load_settings

    try:
        settings = with_mode(load_settings(args.config), args.mode, args.port)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from . import secrets

    try:
        secrets(settings)  # before the database is opened: a missing token is the likelier mistake
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from arenabot.app import run
    from arenabot.logs import setup_logging

    setup_logging(settings.ops.log_level, settings.ops.log_format, secrets=settings.secret_values())
    try:
        asyncio.run(run(settings, ["arenabot.adapters.slack"]))  # supervised exactly as `arenabot run` is
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("slack", help="run only the Slack app (Socket Mode or HTTP mode; see docs/slack.md)")
    p.add_argument("--mode", choices=["socket", "http"], help="override [slack] mode")
    p.add_argument("--port", type=int, help="HTTP mode: port for the Events API (override [slack] http_port)")
    p.set_defaults(handler=_handle)
