"""Reading a JSON log into columns: each chunk decoded as strictly as it allows."""

from __future__ import annotations

from pathlib import Path

import msgspec

from .columns import Columns, battle_struct
from .framing import LogError, Progress, array_chunks, line_chunks
from .records import ANY, json_line_records


class Decoders:
    """Decodes a chunk as strictly as it allows: names already known (fastest), then any names,
    then loosely, record by record (`kind` says which: "known", "typed" or "loose")."""

    def __init__(self, columns: Columns, lines: bool):
        self.columns, self.lines = columns, lines
        self.typed = self._decoder(())
        self.known: msgspec.json.Decoder | None = None
        self.known_count = 0

    def _decoder(self, names: tuple[str, ...]) -> msgspec.json.Decoder:
        struct = battle_struct(self.columns.want, names)
        return msgspec.json.Decoder(struct if self.lines else list[struct])  # type: ignore[valid-type]  # built at run time

    def _decode(self, decoder, chunk: bytes) -> list:
        return decoder.decode_lines(chunk) if self.lines else decoder.decode(chunk)

    def __call__(self, chunk: bytes) -> tuple[str, list]:
        index = self.columns.index
        if index and len(index) != self.known_count:  # new names since: rebuild the strict decoder
            self.known, self.known_count = self._decoder(tuple(index)), len(index)
        if self.known is not None:
            try:
                return "known", self._decode(self.known, chunk)
            except msgspec.ValidationError:
                pass  # a new name (or a bad record): try with any names
        try:
            return "typed", self._decode(self.typed, chunk)
        except msgspec.ValidationError:
            if self.lines:
                raise
            return "loose", ANY.decode(chunk)  # raises DecodeError when the cut was wrong

    def add(self, kind: str, recs: list) -> None:
        {"known": self.columns.add_known, "typed": self.columns.add_typed, "loose": self.columns.add_loose}[kind](recs)


def read_lines(path: Path, start: int, limit: int | None, columns: Columns, progress: Progress | None) -> None:
    decode = Decoders(columns, lines=True)
    with path.open("rb") as fh:
        fh.seek(start)
        for _, chunk in line_chunks(fh, progress, limit, count_lines=False):
            try:
                decode.add(*decode(chunk))
            except msgspec.DecodeError:
                columns.add_loose(json_line_records(1, chunk, lambda n, m: columns.reject("invalid JSON line")))


def read_array(path: Path, columns: Columns, progress: Progress | None) -> None:
    decode = Decoders(columns, lines=False)
    with path.open("rb") as fh:
        try:
            for kind, recs in array_chunks(fh, progress, decode):
                decode.add(kind, recs)
        except LogError as exc:
            raise LogError(f"{path}: {exc}; for JSON lines use --format jsonl") from None
