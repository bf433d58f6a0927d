"""The Events API's aiohttp app (HTTP mode): Bolt's, behind a check that the body parses, so a
malformed request gets a 400 and one log line instead of a 500 with a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

log = logging.getLogger(__name__)


def malformed(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not read this body, or None when it can."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            return None if isinstance(json.loads(text), dict) else "the JSON body is not an object"
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(text, keep_blank_values=True)
            payload = form.get("payload")
            if payload is not None and not isinstance(json.loads(payload[0]), dict):
                return "the payload field is not a JSON object"
            return None
    except (UnicodeDecodeError, ValueError) as exc:
        return f"the body does not parse ({type(exc).__name__})"
    return None  # other types (e.g. url_verification's) are Bolt's to judge


@web.middleware
async def reject_malformed(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.method == "POST":
        problem = malformed(await request.read(), request.content_type)
        if problem:
            log.warning("Slack: rejected a malformed request to %s: %s", request.path, problem)
            return web.Response(status=400, text=f"malformed request: {problem}")
    return await handler(request)


def events_app(app: Any, path: str, port: int = 3000) -> web.Application:
    """Bolt's aiohttp app for `path`, with the malformed-body check in front."""
    web_app: web.Application = app.web_app(path=path, port=port)
    web_app.middlewares.insert(0, reject_malformed)
    return web_app
