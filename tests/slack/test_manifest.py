"""The app manifest declares what the adapter listens to and the Web API methods it calls need."""
from __future__ import annotations

import re
from pathlib import Path

from arenabot.adapters import slack as slack_adapter
from arenabot.adapters.slack.listeners import COMMAND

MANIFEST = Path(slack_adapter.__file__).with_name("manifest.yaml").read_text(encoding="utf-8")


def _list_under(key: str) -> list[str]:
    """The '- item' lines of a YAML list under `key:` (comments stripped)."""
    block = re.search(rf"^(\s*){key}:\n((?:\1\s+-.*\n)+)", MANIFEST, re.MULTILINE)
    assert block, f"{key} missing from manifest.yaml"
    return [line.split("#")[0].strip().lstrip("- ").strip() for line in block.group(2).splitlines()]


def test_the_manifest_subscribes_to_every_event_the_adapter_handles() -> None:
    events = _list_under("bot_events")
    assert {"app_mention", "reaction_added", "reaction_removed", "message.channels", "message.groups"} <= set(events)
    assert f"- command: {COMMAND}\n" in MANIFEST
    assert "is_enabled: true" in MANIFEST  # interactivity: ballot buttons arrive as block_actions


def test_the_manifest_grants_the_scopes_the_adapter_uses() -> None:
    scopes = set(_list_under("bot"))
    needed = {
        "commands", "app_mentions:read", "chat:write", "reactions:read", "reactions:write",
        "channels:history", "groups:history", "users:read", "usergroups:read", "files:write", "im:write",
        "channels:join",
    }
    assert needed <= scopes, needed - scopes
    assert "socket_mode_enabled: true" in MANIFEST  # Socket Mode is the default mode
