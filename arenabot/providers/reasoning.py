"""Keeps `<think>...</think>` reasoning out of what voters see, even when a tag is split across chunks."""

from __future__ import annotations

_TAGS = (("<think>", "</think>"), ("<thinking>", "</thinking>"))


def _partial_suffix(text: str, tags: tuple[str, ...]) -> int:
    """Length of the longest end of `text` that could be the start of one of `tags`."""
    best = 0
    for tag in tags:
        for n in range(min(len(tag) - 1, len(text)), best, -1):
            if text.endswith(tag[:n]):
                best = n
                break
    return best


class ThinkFilter:
    """Splits streamed text into (visible, reasoning). Blank lines after a reasoning block are dropped."""

    def __init__(self) -> None:
        self._pending = ""
        self._close: str | None = None  # the closing tag while inside a block
        self._strip_leading = True  # no visible text yet, or just after a block

    def feed(self, chunk: str) -> tuple[str, str]:
        if not self._pending and self._close is None and "<" not in chunk:
            return self._visible(chunk), ""  # fast path: the common token
        text = self._pending + chunk
        self._pending = ""
        visible: list[str] = []
        reasoning: list[str] = []
        while text:
            if self._close is not None:
                end = text.find(self._close)
                if end >= 0:
                    reasoning.append(text[:end])
                    text = text[end + len(self._close) :]
                    self._close = None
                    self._strip_leading = True
                    continue
                keep = _partial_suffix(text, (self._close,))
                reasoning.append(text[: len(text) - keep])
                self._pending = text[len(text) - keep :]
                break
            starts = [(text.find(open_), open_, close) for open_, close in _TAGS if open_ in text]
            if starts:
                start, open_, close = min(starts)
                visible.append(self._visible(text[:start]))
                text = text[start + len(open_) :]
                self._close = close
                continue
            keep = _partial_suffix(text, tuple(open_ for open_, _ in _TAGS))
            visible.append(self._visible(text[: len(text) - keep]))
            self._pending = text[len(text) - keep :]
            break
        return "".join(visible), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        """The end of the stream: a held-back partial tag was plain text after all."""
        pending, self._pending = self._pending, ""
        if self._close is not None:
            return "", pending  # an unclosed block stays hidden
        return self._visible(pending), ""

    def _visible(self, text: str) -> str:
        if self._strip_leading and text:
            text = text.lstrip()
            if text:
                self._strip_leading = False
        return text
