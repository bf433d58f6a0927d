"""Slack request bodies as Slack sends them, and request signing (v0 HMAC-SHA256)."""
from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.slack.fake_slack import TEAM_ID

SIGNING_SECRET = "test-signing-secret"
CHANNEL = "C0ARENA"
_event_ids = itertools.count(1)


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str = "application/json") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or "", "Content-Type": content_type}


def command_body(text: str, user: str = "U0ALICE", response_url: str = "http://127.0.0.1:9/respond", channel: str = CHANNEL) -> str:
    return urlencode({
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "arena-test", "channel_id": channel,
        "channel_name": "arena", "user_id": user, "user_name": user.lower(), "command": "/arena",
        "text": text, "api_app_id": "A0APP", "response_url": response_url, "trigger_id": "1.2.3",
    })


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP", "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
        "event": event,
    }


def reaction(user: str, name: str, channel: str, ts: str, added: bool = True) -> dict[str, Any]:
    return {
        "type": "reaction_added" if added else "reaction_removed", "user": user, "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts}, "item_user": "U0BOT",
        "event_ts": f"{time.time():.6f}",
    }


def mention(user: str, text: str, channel: str = CHANNEL, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": text, "channel": channel, "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def thread_message(user: str, text: str, channel: str, thread_ts: str) -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {"type": "message", "channel_type": "channel", "user": user, "text": text, "channel": channel, "ts": ts, "thread_ts": thread_ts, "event_ts": ts}


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body (a button click) as Slack posts it: form field `payload`."""
    return urlencode({"payload": json.dumps(payload)})


def to_json(body: dict[str, Any]) -> str:
    return json.dumps(body)
