"""A channel as people write it: a Discord or Slack mention (<#123>, <#C123|general>) or a
bare id. Plain parsing, so the config file's validation can use it too."""

from __future__ import annotations

import re

_MENTION = re.compile(r"^<#([A-Za-z0-9_-]+)(?:\|[^>]*)?>$")
_BARE = re.compile(r"^#?([A-Za-z0-9_-]+)$")


def channel_id(text: str) -> str:
    text = text.strip()
    found = _MENTION.match(text) or _BARE.match(text)
    if not found:
        raise ValueError(f"`{text}` is not a channel: pick one with # (or give its id)")
    return found.group(1)
