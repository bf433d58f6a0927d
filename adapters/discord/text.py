"""Fitting text into Discord messages: 2,000 characters each, code fences never left broken."""

from __future__ import annotations

MESSAGE_LIMIT = 2000
_FENCE = "```"
_CLOSER = "\n" + _FENCE
_MAX_REOPEN = 100  # a fence's opening line ("```python") is repeated at the top of the next chunk


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith(_FENCE)


def _pieces(line: str, size: int) -> list[str]:
    """One over-long line as pieces of at most `size` characters, cut at spaces where possible."""
    pieces: list[str] = []
    while len(line) > size:
        cut = line.rfind(" ", size // 2, size)
        cut = cut + 1 if cut > 0 else size
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into chunks of at most `limit` characters.

    Breaks at line ends (then at spaces inside very long lines). A chunk that ends inside a ```
    code block closes it, and the next chunk reopens it with the same language tag, so every
    chunk renders as valid Markdown on its own.
    """
    if len(text) <= limit:
        return [text]
    if limit < 4 * _MAX_REOPEN:
        raise ValueError(f"limit {limit} is too small to split code blocks; use at least {4 * _MAX_REOPEN}")
    piece_size = limit - _MAX_REOPEN - 2 * len(_CLOSER)
    budget = limit - len(_CLOSER)  # always leave room to close an open fence
    chunks: list[str] = []
    lines: list[str] = []
    length = 0
    fence: str | None = None  # the opening line of the code block we are in, if any
    for raw_line in text.split("\n"):
        for line in _pieces(raw_line, piece_size):
            added = len(line) + (1 if lines else 0)
            if lines and length + added > budget:
                chunks.append("\n".join(lines) + (_CLOSER if fence else ""))
                lines = [fence] if fence else []
                length = len(fence) if fence else 0
                added = len(line) + (1 if lines else 0)
            lines.append(line)
            length += added
            if _is_fence(line):
                fence = None if fence else line.strip()[:_MAX_REOPEN]
    if lines:
        chunks.append("\n".join(lines))
    return chunks


def preview(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """What fits in one message while a reply is still streaming: its first chunk."""
    chunks = split_message(text, limit - 2)
    return chunks[0] + (" …" if len(chunks) > 1 else "")
