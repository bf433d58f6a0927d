"""Battle logs read as a stream: Chatbot Arena `clean_battle` JSON arrays or JSON lines, LLMFAO CSV.

One reader serves `arenabot ratings` (columns, `load_battles`) and `arenabot import` /
`/arena import` (records, `iter_record_batches` / `parse_records`), so the two accept the same files.

JSON is decoded by msgspec, a few megabytes of whole records at a time, so memory stays near the
size of the result rather than the file's. Ratings decode into a typed struct holding only the
fields they use (the rest is skipped without building Python objects): that is what makes a
250 MB log take about a second. A chunk with a record the typed struct refuses is decoded again
loosely and judged record by record with the same rules, so bad records are counted, not fatal.

JSON arrays are cut into chunks at a "}," between records; a cut is accepted only when msgspec
parses the chunk as a complete array, which a cut inside a string or a nested value never is.
"""
from __future__ import annotations

import csv
import io
import math
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter, eq
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

import msgspec

if TYPE_CHECKING:
    import numpy as np

FORMATS = ("clean_battle", "jsonl", "llmfao")
# Outcome codes of arenabot.ratings.counts, repeated so `import` never loads scipy (a test checks).
A_WINS, B_WINS, TIE, BOTH_BAD = 0, 1, 2, 3
WINNER_CODES = {"model_a": A_WINS, "model_b": B_WINS, "tie": TIE, "tie (bothbad)": BOTH_BAD}
CHUNK_BYTES = 8 << 20
_CUT_ATTEMPTS = 8  # candidate cuts tried per chunk before reading on (nested "},{" are rare)
_WHITESPACE = b" \t\r\n"

Progress = Callable[[int], None]  # called with the number of bytes just read


class LogError(ValueError):
    """The file cannot be read as a battle log at all (as opposed to a few bad records)."""


@dataclass
class BattleLog:
    """Valid battles as arrays (indices into `models`) plus what was rejected and why."""

    models: list[str]
    model_a: np.ndarray
    model_b: np.ndarray
    outcome: np.ndarray
    anony: np.ndarray  # bool; records without the field count as not anonymous
    tstamp: np.ndarray  # float, NaN when missing
    categories: list[frozenset[str]]  # all empty unless read with categories=True
    style_a: np.ndarray  # (n, 4) length, headers, lists, bold; NaN when absent or not read
    style_b: np.ndarray
    rejected: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.outcome)

    def subset(self, keep: np.ndarray) -> "BattleLog":
        import numpy as np  # only column work needs it; `import` reads records without

        idx = np.flatnonzero(keep)
        return BattleLog(self.models, self.model_a[idx], self.model_b[idx], self.outcome[idx],
                         self.anony[idx], self.tstamp[idx], [self.categories[k] for k in idx],
                         self.style_a[idx], self.style_b[idx], dict(self.rejected))


# ----- format detection ------------------------------------------------------------------------

def detect_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace")
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "clean_battle"
    if stripped.startswith("{"):
        return "jsonl"
    first_line = stripped.splitlines()[0] if stripped else ""
    columns = {c.strip() for c in first_line.split(",")}
    if {"left", "right", "winner"} <= columns:
        return "llmfao"
    raise LogError(f"{path}: cannot tell the format (expected a JSON array, JSON lines or the LLMFAO "
                   f"CSV with left,right,winner columns); pass --format")


# ----- framing: whole records, a chunk at a time -----------------------------------------------

def _blocks(stream: BinaryIO, progress: Progress | None, limit: int | None = None) -> Iterator[bytes]:
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


def _line_chunks(stream: BinaryIO, progress: Progress | None, limit: int | None = None,
                 count_lines: bool = True) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, or 0 when not counted; chunk of whole lines)."""
    rest, line_no = b"", 1 if count_lines else 0
    for block in _blocks(stream, progress, limit):
        buf = rest + block
        cut = buf.rfind(b"\n") + 1
        rest = buf[cut:]
        if cut:
            yield line_no, buf[:cut]
            if count_lines:
                line_no += buf.count(b"\n", 0, cut)
    if rest.strip():
        yield line_no, rest


def _array_chunks(stream: BinaryIO, progress: Progress | None, decode: Callable[[bytes], Any]) -> Iterator[Any]:
    """Decoded chunks of a top-level JSON array, each `decode(b"[" + whole records + b"]")`."""
    blocks = _blocks(stream, progress)
    buf = b""
    for block in blocks:
        buf += block
        if buf.lstrip(_WHITESPACE):
            break
    buf = buf.lstrip(_WHITESPACE)
    if not buf.startswith(b"["):
        raise LogError("expected a JSON array of battle records")
    buf, offset = buf[1:], 1  # offset: where buf starts in the file, for error messages
    for block in blocks:
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
                buf, offset = buf[comma + 1:], offset + comma + 1
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
    return f"not valid JSON at byte {int(found.group(1)) + offset:,}: {message[:found.start()]}"


# ----- records, for import ---------------------------------------------------------------------

_ANY = msgspec.json.Decoder()


def _decode_any(text: bytes) -> list[Any]:
    return _ANY.decode(text)


def _json_line_records(line_no: int, chunk: bytes, on_bad_line: Callable[[int, str], None]) -> list[Any]:
    try:
        return _ANY.decode_lines(chunk)
    except msgspec.DecodeError:
        pass
    records = []
    for number, line in enumerate(chunk.splitlines(), start=line_no):
        if line.strip():
            try:
                records.append(_ANY.decode(line))
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
        first = stream.read(CHUNK_BYTES)
        is_array = first.lstrip(b"\xef\xbb\xbf" + _WHITESPACE).startswith(b"[")
        stream = _Prefixed(first, stream)
    if is_array:
        yield from _array_chunks(stream, progress, _decode_any)
        return
    for line_no, chunk in _line_chunks(stream, progress):
        yield _json_line_records(line_no, chunk, _raise_bad_line)


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


# ----- columns, for ratings --------------------------------------------------------------------

def _battle_struct(want: "_Wanted", names: tuple[str, ...] = ()) -> type:
    """The struct a record decodes into. With `names`, model names must be one of them: msgspec
    then hands back those very str objects, so nothing is allocated per name and the lookups
    that turn names into indices hit cached hashes (roughly halves the time spent per record)."""
    name = Literal[names] if names else str  # type: ignore[valid-type]
    fields: list[tuple] = [
        ("model_a", name), ("model_b", name),
        ("winner", Literal["model_a", "model_b", "tie", "tie (bothbad)"]),
    ]
    if want.anony:
        fields.append(("anony", bool, False))
    if want.tstamp:
        fields.append(("tstamp", float, math.nan))
    style, categories = want.style, want.categories
    if style:
        fields.append(("conv_metadata", object, None))
    if categories:
        fields += [("category_tag", object, msgspec.UNSET), ("categories", object, None)]
    return msgspec.defstruct("Battle", fields, gc=False)


def _sum_counts(value) -> float:
    """conv_metadata counts are numbers or dicts of numbers (e.g. {"h1": 2, "h2": 1})."""
    if isinstance(value, dict):
        return float(sum(float(v) for v in value.values()))
    return float(value)


_NAN4 = (math.nan,) * 4


def style_of(meta) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(a, b) style features from conv_metadata; NaNs when absent or malformed."""
    try:
        a = (float(meta["sum_assistant_a_tokens"]), _sum_counts(meta["header_count_a"]),
             _sum_counts(meta["list_count_a"]), _sum_counts(meta["bold_count_a"]))
        b = (float(meta["sum_assistant_b_tokens"]), _sum_counts(meta["header_count_b"]),
             _sum_counts(meta["list_count_b"]), _sum_counts(meta["bold_count_b"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return _NAN4, _NAN4
    return a, b


def categories_of(tag) -> frozenset[str]:
    """Category names from `category_tag`: a name, a list of names, or the arena's nested dict
    ({"math_v0.1": {"math": true}, "criteria_v0.1": {"complexity": false, ...}})."""
    if tag is None:
        return frozenset()
    if isinstance(tag, str):
        return frozenset([tag])
    if isinstance(tag, (list, tuple)):
        return frozenset(str(t) for t in tag)
    if isinstance(tag, dict):
        names = set()
        for key, value in tag.items():
            if isinstance(value, dict):
                names.update(str(k) for k, v in value.items() if v is True)
            elif value:
                names.add(str(key))
        return frozenset(names)
    return frozenset()


@dataclass(frozen=True)
class _Wanted:
    """Optional columns to read: each costs decoding time, so the command line asks only for those
    it uses (anony for --anonymous-only, tstamp for --elo, style for --style, ...)."""

    anony: bool = True
    tstamp: bool = True
    style: bool = True
    categories: bool = True


class _Columns:
    """Accumulates valid battles chunk by chunk; model indices in order of first appearance."""

    def __init__(self, want: _Wanted):
        self.want = want
        self.style, self.categories = want.style, want.categories
        self.index: dict[str, int] = {}
        self.parts: list[tuple] = []
        self.rejected: dict[str, int] = {}
        self._interned: dict[frozenset, frozenset] = {}

    def reject(self, reason: str, n: int = 1) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + n

    def add(self, a: list[str], b: list[str], winners: list[str], anony, tstamp, cats, metas) -> None:
        """Append valid rows (names non-empty, winner known; same-model rows are rejected here)."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(a)
        if not n:
            return
        same = np.fromiter(map(eq, a, b), dtype=bool, count=n)
        if same.any():
            self.reject("same model on both sides", int(same.sum()))
            keep = (~same).tolist()
            a, b, winners = list(compress(a, keep)), list(compress(b, keep)), list(compress(winners, keep))
            anony, tstamp = np.asarray(anony)[~same], np.asarray(tstamp)[~same]
            cats = list(compress(cats, keep)) if cats is not None else None
            metas = list(compress(metas, keep)) if metas is not None else None
            n = len(a)
        index = self.index
        if not index.keys() >= set(a).union(b):
            for name in chain.from_iterable(zip(a, b)):
                index.setdefault(name, len(index))
        codes = np.fromiter(map(WINNER_CODES.__getitem__, winners), dtype=np.int8, count=n)
        part = [np.fromiter(map(index.__getitem__, a), dtype=np.intp, count=n),
                np.fromiter(map(index.__getitem__, b), dtype=np.intp, count=n), codes,
                np.asarray(anony, dtype=bool) if self.want.anony else np.zeros(n, dtype=bool),
                np.asarray(tstamp, dtype=float) if self.want.tstamp else np.full(n, np.nan)]
        if self.categories:
            interned = self._interned
            part.append([interned.setdefault(c, c) for c in map(categories_of, cats)])
        if self.style:
            pairs = [style_of(m) for m in metas]
            part.append(np.array([p[0] for p in pairs], dtype=float).reshape(-1, 4))
            part.append(np.array([p[1] for p in pairs], dtype=float).reshape(-1, 4))
        self.parts.append(tuple(part))

    def add_known(self, recs: list) -> None:
        """Records decoded with every model name already indexed (the common case): columns in bulk."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(recs)
        index, keep = self.index, None
        a = np.fromiter(map(index.__getitem__, map(attrgetter("model_a"), recs)), dtype=np.intp, count=n)
        b = np.fromiter(map(index.__getitem__, map(attrgetter("model_b"), recs)), dtype=np.intp, count=n)
        codes = np.fromiter(map(WINNER_CODES.__getitem__, map(attrgetter("winner"), recs)), dtype=np.int8, count=n)
        same = a == b
        if same.any():
            self.reject("same model on both sides", int(same.sum()))
            keep = ~same
            a, b, codes = a[keep], b[keep], codes[keep]
        part = [a, b, codes]
        if self.want.anony:
            anony = np.fromiter(map(attrgetter("anony"), recs), dtype=bool, count=n)
            part.append(anony[keep] if keep is not None else anony)
        else:
            part.append(np.zeros(len(a), dtype=bool))
        if self.want.tstamp:
            tstamp = np.fromiter(map(attrgetter("tstamp"), recs), dtype=float, count=n)
            part.append(tstamp[keep] if keep is not None else tstamp)
        else:
            part.append(np.full(len(a), np.nan))
        if self.categories or self.style:
            kept = list(compress(recs, keep.tolist())) if keep is not None else recs
            if self.categories:
                interned = self._interned
                part.append([interned.setdefault(c, c) for c in map(categories_of, (
                    r.categories if r.category_tag is msgspec.UNSET else r.category_tag for r in kept))])
            if self.style:
                pairs = [style_of(r.conv_metadata) for r in kept]
                part.append(np.array([p[0] for p in pairs], dtype=float).reshape(-1, 4))
                part.append(np.array([p[1] for p in pairs], dtype=float).reshape(-1, 4))
        if len(a):
            self.parts.append(tuple(part))

    def add_typed(self, recs: list) -> None:
        """Records with names that may be new (or empty, which is a missing field)."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(recs)
        a = list(map(attrgetter("model_a"), recs))
        b = list(map(attrgetter("model_b"), recs))
        if "" in a or "" in b:  # an empty name is a missing field: judge this chunk one by one
            self.add_loose([{k: v for k, v in msgspec.structs.asdict(r).items() if v is not msgspec.UNSET}
                            for r in recs])
            return
        anony = np.fromiter(map(attrgetter("anony"), recs), dtype=bool, count=n) if self.want.anony \
            else np.zeros(n, dtype=bool)
        tstamp = np.fromiter(map(attrgetter("tstamp"), recs), dtype=float, count=n) if self.want.tstamp \
            else np.full(n, np.nan)
        cats = None
        if self.categories:
            cats = [r.categories if r.category_tag is msgspec.UNSET else r.category_tag for r in recs]
        metas = [r.conv_metadata for r in recs] if self.style else None
        self.add(a, b, list(map(attrgetter("winner"), recs)), anony, tstamp, cats, metas)

    def add_loose(self, records: Iterable[Any]) -> None:
        """Records of any shape, judged one by one: the rules the typed path applies in bulk."""
        a, b, winners, anony, tstamp, cats, metas = [], [], [], [], [], [], []
        for rec in records:
            if not isinstance(rec, dict):
                self.reject("record is not a JSON object")
                continue
            model_a, model_b, winner = rec.get("model_a"), rec.get("model_b"), rec.get("winner")
            if not isinstance(model_a, str) or not isinstance(model_b, str) or not model_a or not model_b \
                    or winner is None:
                self.reject("missing field (model_a, model_b or winner)")
                continue
            if not isinstance(winner, str) or winner not in WINNER_CODES:
                self.reject("unknown winner value")
                continue
            a.append(model_a)
            b.append(model_b)
            winners.append(winner)
            anony.append(rec.get("anony") is True)
            ts = rec.get("tstamp")
            tstamp.append(float(ts) if isinstance(ts, (int, float)) else math.nan)
            cats.append(rec.get("category_tag", rec.get("categories")))
            metas.append(rec.get("conv_metadata"))
        self.add(a, b, winners, anony, tstamp, cats if self.categories else None, metas if self.style else None)

    def export(self) -> tuple:
        """What `merge` needs, compact for the pipe."""
        return list(self.index), self.parts, self.rejected

    def merge(self, models: list[str], parts: list[tuple], rejected: dict[str, int]) -> None:
        """Append another reader's columns (of the rows after ours), renumbering its models."""
        import numpy as np

        renumber = np.array([self.index.setdefault(m, len(self.index)) for m in models], dtype=np.intp)
        for part in parts:
            self.parts.append((renumber[part[0]], renumber[part[1]], *part[2:]))
        for reason, n in rejected.items():
            self.reject(reason, n)

    def result(self) -> BattleLog:
        import numpy as np  # only column work needs it; `import` reads records without

        parts = list(zip(*self.parts)) if self.parts else None
        n = sum(len(p[2]) for p in self.parts)

        def cat(k: int, dtype) -> np.ndarray:
            return np.concatenate(parts[k]) if parts else np.empty(0, dtype=dtype)

        if self.categories:
            categories = list(chain.from_iterable(parts[5])) if parts else []
        else:
            categories = [frozenset()] * n
        if self.style:
            k = 6 if self.categories else 5
            style_a = np.concatenate(parts[k]) if parts else np.empty((0, 4))
            style_b = np.concatenate(parts[k + 1]) if parts else np.empty((0, 4))
        else:
            style_a = style_b = np.broadcast_to(np.nan, (n, 4))  # not read: no memory spent
        return BattleLog(list(self.index), cat(0, np.intp), cat(1, np.intp), cat(2, np.int8),
                         cat(3, bool), cat(4, float), categories, style_a, style_b, self.rejected)


def _llmfao_records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            winner = row.get("winner")
            yield {
                "model_a": row.get("left"), "model_b": row.get("right"),
                "winner": {"left": "model_a", "right": "model_b", "tie": "tie"}.get(winner, winner),
                "category_tag": row.get("prompt"), "judge": row.get("worker"),
            }


def load_battles(path: str | Path, fmt: str | None = None, progress: Progress | None = None, *,
                 style: bool = True, categories: bool = True, anony: bool = True, tstamp: bool = True,
                 workers: int | None = None) -> BattleLog:
    """Read a battle log as columns. Raises LogError when the file as a whole is unreadable.
    style / categories / anony / tstamp: also read conv_metadata / category_tag / anony / tstamp
    (a column not read is NaN, empty or false). workers: processes for a large JSON-lines file
    (default: 2 when the machine has them and the file is over 32 MB)."""
    path = Path(path)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise LogError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    want = _Wanted(anony=anony, tstamp=tstamp, style=style, categories=categories)
    columns = _Columns(want)
    if fmt == "llmfao":
        columns.add_loose(_llmfao_records(path))
    elif fmt == "jsonl":
        size = path.stat().st_size
        if workers is None:
            workers = 2 if size > PARALLEL_BYTES and (os.cpu_count() or 1) >= 2 else 1
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            _read_lines_in_two(path, size, columns, progress)
        else:
            _read_lines(path, 0, None, columns, progress)
    else:
        _read_array(path, columns, progress)
    return columns.result()


PARALLEL_BYTES = 32 << 20


class _Decoders:
    """Decodes a chunk as strictly as it allows: names already known (fastest), then any names,
    then loosely, record by record (`kind` says which: "known", "typed" or "loose")."""

    def __init__(self, columns: _Columns, lines: bool):
        self.columns, self.lines = columns, lines
        self.typed = self._decoder(())
        self.known, self.known_count = None, 0

    def _decoder(self, names: tuple[str, ...]) -> msgspec.json.Decoder:
        struct = _battle_struct(self.columns.want, names)
        return msgspec.json.Decoder(struct if self.lines else list[struct])

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
            return "loose", _ANY.decode(chunk)  # raises DecodeError when the cut was wrong

    def add(self, kind: str, recs: list) -> None:
        {"known": self.columns.add_known, "typed": self.columns.add_typed, "loose": self.columns.add_loose}[kind](recs)


def _read_lines(path: Path, start: int, limit: int | None, columns: _Columns, progress: Progress | None) -> None:
    decode = _Decoders(columns, lines=True)
    with path.open("rb") as fh:
        fh.seek(start)
        for _, chunk in _line_chunks(fh, progress, limit, count_lines=False):
            try:
                decode.add(*decode(chunk))
            except msgspec.DecodeError:
                columns.add_loose(_json_line_records(1, chunk, lambda n, m: columns.reject("invalid JSON line")))


def _read_array(path: Path, columns: _Columns, progress: Progress | None) -> None:
    decode = _Decoders(columns, lines=False)
    with path.open("rb") as fh:
        try:
            for kind, recs in _array_chunks(fh, progress, decode):
                decode.add(kind, recs)
        except LogError as exc:
            raise LogError(f"{path}: {exc}; for JSON lines use --format jsonl") from None


def _read_lines_in_two(path: Path, size: int, columns: _Columns, progress: Progress | None) -> None:
    """Decoding is CPU-bound and msgspec holds the GIL, so a forked process reads the second half
    of the file while this one reads the first; its columns come back through a pipe and its
    model indices are renumbered after ours, which keeps the order of first appearance."""
    with path.open("rb") as fh:
        fh.seek(size // 2)
        fh.readline()
        middle = fh.tell()  # the start of a line: each half holds whole lines
    context = multiprocessing.get_context("fork")
    done_there = context.Value("q", 0, lock=False)  # the helper's bytes read, for the progress bar
    receive, send = context.Pipe(duplex=False)
    helper = context.Process(target=_read_second_half, args=(path, middle, columns.want, send, done_there), daemon=True)
    helper.start()
    send.close()
    shown = 0

    def step(n: int) -> None:
        nonlocal shown
        step.here += n
        if progress:
            total = step.here + done_there.value
            progress(total - shown)
            shown = total

    step.here = 0
    try:
        _read_lines(path, 0, middle, columns, step)
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = "lost", None
    finally:
        receive.close()
        helper.join()
    if status == "error":
        raise payload
    if status == "lost":  # the helper died (killed, out of memory): read its half here
        _read_lines(path, middle, None, columns, step)
        return
    if progress:
        progress(size - shown)
    columns.merge(*payload)


def _read_second_half(path: Path, start: int, want: _Wanted, send, done_there) -> None:
    def step(n: int) -> None:
        done_there.value += n

    try:
        part = _Columns(want)
        _read_lines(path, start, None, part, step)
        send.send(("ok", part.export()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        send.send(("error", exc if isinstance(exc, Exception) else RuntimeError(repr(exc))))
    finally:
        send.close()


__all__ = ["BattleLog", "FORMATS", "LogError", "WINNER_CODES", "categories_of", "detect_format",
           "iter_record_batches", "load_battles", "parse_records", "style_of"]
