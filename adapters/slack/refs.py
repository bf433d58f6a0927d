"""The opaque refs the core stores for Slack: "<channel id>/<message ts>".

A battle's thread ref is its header message's ref, since a Slack thread is named by the ts of its
parent message.
"""

from __future__ import annotations


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}/{ts}"


def parse_ref(ref: str) -> tuple[str, str]:
    """(channel, ts) of a ref made by `message_ref`."""
    channel, sep, ts = ref.partition("/")
    if not sep or not channel or not ts:
        raise ValueError(f"not a Slack message ref: {ref!r} (expected '<channel id>/<ts>')")
    return channel, ts
