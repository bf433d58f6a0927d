"""Server-sent events, read from an aiohttp response body.

Follows the WHATWG event-stream rules that the model APIs rely on: `field: value` lines, `data`
lines joined with newlines, a blank line dispatches the event, `:` lines are comments (servers
send them as keep-alives). Lines end in LF or CRLF. The body is read in whatever pieces arrive
and split here, which costs one await per network read instead of one per line; data stays
bytes, since `json.loads` takes bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp


@dataclass(slots=True)
class SseEvent:
    event: str  # "message" unless the server named it
    data: bytes


KEEPALIVE = SseEvent("keepalive", b"")
"""Yielded for comment lines, so a caller can see the server is alive while the model thinks."""


async def sse_events(content: aiohttp.StreamReader) -> AsyncIterator[SseEvent]:
    event = ""
    data: list[bytes] = []
    rest = b""
    async for piece in content.iter_any():
        lines = (rest + piece).split(b"\n") if rest else piece.split(b"\n")
        rest = lines.pop()  # an unfinished line waits for the next piece
        for line in lines:
            if line[-1:] == b"\r":
                line = line[:-1]
            if not line:
                if data:
                    yield SseEvent(event or "message", b"\n".join(data) if len(data) > 1 else data[0])
                event, data = "", []
            elif line[0] == 0x3A:  # ":" comment
                yield KEEPALIVE
            else:
                field, sep, value = line.partition(b":")
                if sep and value[:1] == b" ":
                    value = value[1:]
                if field == b"data":
                    data.append(value)
                elif field == b"event":
                    event = value.decode("utf-8", "replace")
                # "id", "retry" and unknown fields are ignored, as the spec says.
    if rest.rstrip(b"\r").startswith(b"data:"):
        value = rest.rstrip(b"\r")[5:]
        data.append(value[1:] if value[:1] == b" " else value)
    if data:
        # A final event without its blank line still counts; the dialect decides if the stream was complete.
        yield SseEvent(event or "message", b"\n".join(data))
