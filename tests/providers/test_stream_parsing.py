"""The SSE reader and the <think> filter on awkward input: split lines, split tags, comments, CRLF."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from arenabot.providers.reasoning import ThinkFilter
from arenabot.providers.sse import KEEPALIVE, SseEvent, sse_events


async def _read_all(chunks: list[bytes]) -> list[SseEvent]:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return [event async for event in sse_events(reader)]


async def test_sse_fields_comments_multiline_data_and_crlf():
    events = await _read_all([
        b": hello\n\nevent: message_start\r\ndata: {\"a\":\r\n", b"data: 1}\r\n\r\nid: 7\nretry: 10\ndata:x\n\n",
        b"unknown: field\ndata: last-without-blank-line",
    ])
    assert events == [
        KEEPALIVE,
        SseEvent("message_start", b'{"a":\n1}'),
        SseEvent("message", b"x"),
        SseEvent("message", b"last-without-blank-line"),
    ]


def _feed_in_pieces(text: str, size: int) -> tuple[str, str]:
    think = ThinkFilter()
    visible, hidden = [], []
    for start in range(0, len(text), size):
        shown, secret = think.feed(text[start:start + size])
        visible.append(shown)
        hidden.append(secret)
    shown, secret = think.flush()
    return "".join(visible + [shown]), "".join(hidden + [secret])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_think_blocks_are_removed_however_the_stream_splits_them(size):
    text = "<think>\nI am model X.\n</think>\n\nThe answer is 4 < 5. <thinking>more</thinking> Done <thin"
    visible, hidden = _feed_in_pieces(text, size)
    assert visible == "The answer is 4 < 5. Done <thin"  # blank space after a block goes with it
    assert hidden == "\nI am model X.\nmore"


def test_an_unclosed_think_block_stays_hidden():
    visible, hidden = _feed_in_pieces("Hi <think>never closed", 4)
    assert visible == "Hi " and hidden == "never closed"
