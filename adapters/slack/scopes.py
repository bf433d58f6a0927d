"""The bot scopes arenabot needs (the manifest's list; a test keeps the two equal), and which of
them a token lacks, read from the `x-oauth-scopes` header Slack sends with every Web API answer."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

REQUIRED_SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "reactions:read",
    "reactions:write",
    "channels:history",
    "groups:history",
    "users:read",
    "usergroups:read",
    "files:write",
    "im:write",
)


async def missing_scopes(client: AsyncWebClient) -> list[str] | None:
    """The required scopes the token lacks; None when Slack did not say which it has."""
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        log.warning("Slack: auth.test failed (%s); scopes not checked", exc.response.get("error"))
        return None
    granted = next((v for k, v in (response.headers or {}).items() if k.lower() == "x-oauth-scopes"), None)
    if granted is None:
        return None
    have = {s.strip() for s in str(granted).split(",") if s.strip()}
    return [s for s in REQUIRED_SCOPES if s not in have]


def missing_scopes_text(missing: list[str]) -> str:
    return (
        f"the Slack app lacks the scope{'s' if len(missing) != 1 else ''} {', '.join(missing)}: add "
        f"{'them' if len(missing) != 1 else 'it'} under OAuth & Permissions (or from adapters/slack/manifest.yaml) "
        "and reinstall the app to the workspace"
    )
