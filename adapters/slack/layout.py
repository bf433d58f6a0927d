"""Turning Markdown into Slack message payloads (section blocks plus a short notification text)."""

from __future__ import annotations

from typing import Any

from .mrkdwn import to_mrkdwn
from .split import SECTION_LIMIT, group_sections, split_text

_PREVIEW_CHARS = 150  # the `text` fallback shown in notifications when blocks are present
_LABEL_ROOM = 80  # kept free in the first section of each message for its label line
EMPTY = "_(empty)_"


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW_CHARS else flat[: _PREVIEW_CHARS - 1] + "…"


def message_payloads(markdown: str, label: str | None = None) -> list[dict[str, Any]]:
    """One payload per Slack message needed to show `markdown`; each starts with `label` in bold
    (marked "continued" after the first) so interleaved thread messages stay readable."""
    body = to_mrkdwn(markdown) if markdown.strip() else EMPTY
    sections = split_text(body, SECTION_LIMIT - _LABEL_ROOM)
    payloads: list[dict[str, Any]] = []
    for index, group in enumerate(group_sections(sections)):
        texts = list(group)
        if label:
            heading = f"*{label}*" if index == 0 else f"*{label} (continued)*"
            texts[0] = f"{heading}\n{texts[0]}"
        payloads.append({"text": _preview(texts[0]), "blocks": [section(t) for t in texts]})
    return payloads


def single_payload(markdown: str) -> dict[str, Any]:
    """One message for text that must stay one message (an edited header): the first one's worth."""
    return message_payloads(markdown)[0]
