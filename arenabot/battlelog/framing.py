"""Framing: a battle-log stream cut into chunks of whole records, for msgspec to decode.

JSON lines are cut at the last newline of each block. JSON arrays are cut at a "}," between
records; a cut is accepted only when the chunk parses as a complete array, which a cut inside a
string or a nested value never does, so no hand-written JSON scanning is needed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import msgspec

CHUNK_BYTES = 8 << 20
_CUT_ATTEMPTS = 8  # candidate cuts tried per chunk before reading on (nested "},{" are rare)
_WHITESPACE = b" \t\r\n"

Progress = Callable[[int], None]  # called with the number of bytes just read


class LogError(ValueError):
    """The file cannot be read as a battle log at all (as opposed to a few bad records)."""


def blocks(stream: BinaryIO, progress: Progress | None, limit: int | None = None) -> Iterator[bytes]:
    """The stream's bytes in blocks (at most `limit` of them), without a leading BOM."""
    first = True
    left = math.inf if limit is None else limit
    while left > 0 and (block := stream.read(int(min(CHUNK_BYTES, left)))):
        left -= len(block)
        if progress:
            progress(len(block))
        if first:
            block = block.removeprefix(b"\xef\xbb\xbf")
            first = False
        yield block


def line_chunks(
    stream: BinaryIO, progress: Progress | None, limit: int | None = None, count_lines: bool = True
) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, or 0 when not counted; chunk of whole lines)."""
    rest, line_no = b"", 1 if count_lines else 0
    for block in blocks(stream, progress, limit):
        buf = rest + block
        cut = buf.rfind(b"\n") + 1
        rest = buf[cut:]
        if cut:
            yield line_no, buf[:cut]
            if count_lines:
                line_no += buf.count(b"\n", 0, cut)
    if rest.strip():
        yield line_no, rest


def array_chunks(stream: BinaryIO, progress: Progress | None, decode: Callable[[bytes], Any]) -> Iterator[Any]:
    """Decoded chunks of a top-level JSON array, each `decode(b"[" + whole records + b"]")`."""
    pending = blocks(stream, progress)
    buf = b""
    for block in pending:
        buf += block
        if buf.lstrip(_WHITESPACE):
            break
    buf = buf.lstrip(_WHITESPACE)
    if not buf.startswith(b"["):
        raise LogError("expected a JSON array of battle records")
    buf, offset = buf[1:], 1  # offset: where buf starts in the file, for error messages
    for block in pending:
        buf += block
        end = len(buf)
        for _ in range(_CUT_ATTEMPTS):
            comma = buf.rfind(b",", 0, end)
            if comma < 0:
                break
            end = comma
            if buf[:comma].rstrip(_WHITESPACE).endswith(b"}"):
                try:
                    decoded = decode(b"[" + buf[:comma] + b"]")
                except msgspec.DecodeError:
                    continue  # the comma was inside a string or a nested value
                yield decoded
                buf, offset = buf[comma + 1 :], offset + comma + 1
                break
    try:
        yield decode(b"[" + buf)
    except msgspec.DecodeError as exc:
        raise LogError(_where(str(exc), offset - 1)) from None


def _where(message: str, offset: int) -> str:
    """msgspec's "... (byte N)" counted from the start of the file instead of the chunk."""
    found = re.search(r"\s*\(byte (\d+)\)$", message)
    if not found:
        return f"not valid JSON ({message})"
    return f"not valid JSON at byte {int(found.group(1)) + offset:,}: {message[: found.start()]}"
