"""Cutting long mrkdwn into pieces that fit Slack's limits without breaking code blocks.

A section block holds at most 3,000 characters and a message at most 40,000 (and 50 blocks).
When a cut falls inside a ``` block, the piece closes the fence and the next one reopens it, so
every piece renders on its own.
"""

from __future__ import annotations

SECTION_LIMIT = 3000
MESSAGE_LIMIT = 40000
MAX_BLOCKS = 50
_FENCE = "```"
_FENCE_ROOM = len(_FENCE) + 1  # "\n```" closing a cut fence, or "```\n" reopening it


def _toggles_fence(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(_FENCE) and stripped.count(_FENCE) % 2 == 1


def _hard_wrap(line: str, width: int) -> list[str]:
    """A line longer than a piece: cut at the last space that fits, else mid-word."""
    parts: list[str] = []
    while len(line) > width:
        cut = line.rfind(" ", width // 2, width)
        cut = cut if cut > 0 else width
        parts.append(line[:cut])
        line = line[cut:].lstrip(" ") if cut < width else line[cut:]
    parts.append(line)
    return parts


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible, fences balanced."""
    if limit <= 2 * _FENCE_ROOM + 1:
        raise ValueError(f"limit {limit} is too small to split code blocks; use at least {2 * _FENCE_ROOM + 2}")
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    size = -1  # length of "\n".join(current)
    in_fence = False  # at the end of `current`
    # Room kept for the fence lines a cut may have to add at both ends of a piece.
    budget = limit - 2 * _FENCE_ROOM
    for raw_line in text.split("\n"):
        for line in _hard_wrap(raw_line, budget):
            if current and size + 1 + len(line) > budget:
                if in_fence:
                    current.append(_FENCE)
                pieces.append("\n".join(current))
                current, size = ([_FENCE], len(_FENCE)) if in_fence else ([], -1)
            current.append(line)
            size += 1 + len(line)
            if _toggles_fence(line):
                in_fence = not in_fence
    if current:
        pieces.append("\n".join(current))
    return [p for p in pieces if p.strip()] or [text[:limit]]


def group_sections(sections: list[str], message_limit: int = MESSAGE_LIMIT, max_blocks: int = MAX_BLOCKS) -> list[list[str]]:
    """Pack consecutive section texts into messages under the per-message limits."""
    messages: list[list[str]] = []
    current: list[str] = []
    size = 0
    for section in sections:
        if current and (size + len(section) > message_limit or len(current) >= max_blocks):
            messages.append(current)
            current, size = [], 0
        current.append(section)
        size += len(section)
    if current:
        messages.append(current)
    return messages
