"""A reply's text as it streams in: assembled in linear time and capped.

Joining the whole text on every streamed piece costs the square of its length (a 1 MB reply in
one-character pieces copies about 10^12 characters). So pieces are kept in a list, and the
joined text handed to the platform only when it has grown by an eighth since the last time, or
after UPDATE_EVERY_S: a geometric series, linear in the length. Past the cap the rest is
dropped as it arrives; the shown and stored text ends with a note saying where it was cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_MAX_CHARS = 32_000
UPDATE_EVERY_S = 0.5
GROWTH = 8  # a new joined text once it is 1/GROWTH longer than the last one


def cut_note(limit: int) -> str:
    return f"\n\n_(reply cut at {limit:,} characters)_"


def capped(text: str, limit: int) -> str:
    """The text, or its first `limit` characters and the note when it is longer."""
    return text if len(text) <= limit else text[:limit] + cut_note(limit)


class ReplyText:
    def __init__(self, limit: int = DEFAULT_MAX_CHARS, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self._clock = clock
        self._parts: list[str] = []
        self._length = 0
        self._joined = ""
        self._shown_at = clock()
        self.cut = False

    def add(self, piece: str) -> bool:
        """Take a streamed piece; True when the platform should be shown the text now."""
        room = self.limit - self._length
        if room <= 0:
            self.cut = self.cut or bool(piece)
            return False
        if len(piece) > room:
            piece, self.cut = piece[:room], True
        self._parts.append(piece)
        self._length += len(piece)
        grown = self._length - len(self._joined)
        due = grown * GROWTH >= len(self._joined) or self._clock() - self._shown_at >= UPDATE_EVERY_S
        return due or self.cut

    @property
    def text(self) -> str:
        """The text so far (the note appended once cut); joins only what arrived since the last call."""
        if self._parts:
            self._joined += "".join(self._parts)
            self._parts = []
        self._shown_at = self._clock()
        return self._joined + (cut_note(self.limit) if self.cut else "")
