"""Battle-log records as Python values (usually dicts), for `arenabot import` and `/arena import`."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, BinaryIO, cast

import msgspec

from . import framing
from .framing import _WHITESPACE, LogError, Progress, array_chunks, line_chunks

ANY = msgspec.json.Decoder()


def _decode_any(text: bytes) -> list[Any]:
    return ANY.decode(text)


def json_line_records(line_no: int, chunk: bytes, on_bad_line: Callable[[int, str], None]) -> list[Any]:
    try:
        return ANY.decode_lines(chunk)
    except msgspec.DecodeError:
        pass
    records = []
    for number, line in enumerate(chunk.splitlines(), start=line_no):
        if line.strip():
            try:
                records.append(ANY.decode(line))
            except msgspec.DecodeError as exc:
                on_bad_line(number, re.sub(r"\s*\(byte \d+\)$", "", str(exc)))
    return records


def _raise_bad_line(number: int, message: str) -> None:
    raise LogError(f"line {number} is not valid JSON: {message}")


def iter_record_batches(stream: BinaryIO, *, progress: Progress | None = None) -> Iterator[list[Any]]:
    """The file's records (usually dicts) in batches, JSON array or JSON lines (detected).
    Raises LogError (a ValueError) naming the place when the JSON itself is broken."""
    head = stream.peek(64) if hasattr(stream, "peek") else b""
    is_array = head.lstrip(b"\xef\xbb\xbf" + _WHITESPACE).startswith(b"[")
    if not head:
        # Streams without peek: read the first block and put it back in front.
        first = stream.read(framing.CHUNK_BYTES)
        is_array = first.lstrip(b"\xef\xbb\xbf" + _WHITESPACE).startswith(b"[")
        stream = cast(BinaryIO, _Prefixed(first, stream))  # the readers only call read()
    try:
        if is_array:
            yield from array_chunks(stream, progress, _decode_any)
            return
        for line_no, chunk in line_chunks(stream, progress):
            yield json_line_records(line_no, chunk, _raise_bad_line)
    except RecursionError:  # the decoder's own depth limit: no battle record nests like that
        raise LogError("the JSON is nested too deeply to hold battle records") from None


def parse_records(data: bytes) -> list[Any]:
    """clean_battle records from a JSON array or JSON lines held in memory (an upload)."""
    return list(chain.from_iterable(iter_record_batches(io.BytesIO(data))))


class _Prefixed(io.RawIOBase):
    def __init__(self, first: bytes, rest: BinaryIO):
        self._first, self._rest = first, rest

    def read(self, size: int = -1) -> bytes:
        if self._first:
            out, self._first = self._first, b""
            return out
        return self._rest.read(size)
