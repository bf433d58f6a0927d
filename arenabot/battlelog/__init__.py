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

import os
from pathlib import Path

from .columns import BattleLog, Columns, Wanted, categories_of, style_of
from .formats import FORMATS, WINNER_CODES, detect_format, llmfao_records
from .framing import LogError, Progress
from .parallel import read_lines_in_two
from .reading import read_array, read_lines
from .records import iter_record_batches, parse_records


def load_battles(
    path: str | Path,
    fmt: str | None = None,
    progress: Progress | None = None,
    *,
    style: bool = True,
    categories: bool = True,
    anony: bool = True,
    tstamp: bool = True,
    battle: bool = True,
    workers: int | None = None,
) -> BattleLog:
    """Read a battle log as columns. Raises LogError when the file as a whole is unreadable.
    style / categories / anony / tstamp / battle: also read conv_metadata / category_tag / anony /
    tstamp / question_id (a column not read is NaN, empty, false or None). workers: processes for a large JSON-lines file
    (default: 2 when the machine has them and the file is over 32 MB)."""
    path = Path(path)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise LogError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    want = Wanted(anony=anony, tstamp=tstamp, style=style, categories=categories, battle=battle)
    try:
        return _read(path, fmt, Columns(want), workers, progress)
    except RecursionError:  # the decoder's own depth limit: no battle record nests like that
        raise LogError("the JSON is nested too deeply to hold battle records") from None


def _read(path: Path, fmt: str, columns: Columns, workers: int | None, progress: Progress | None) -> BattleLog:
    if fmt == "llmfao":
        columns.add_loose(llmfao_records(path))
    elif fmt == "jsonl":
        size = path.stat().st_size
        if workers is None:
            workers = 2 if size > PARALLEL_BYTES and (os.cpu_count() or 1) >= 2 else 1
        if workers > 1 and _can_fork():
            read_lines_in_two(path, size, columns, progress)
        else:
            read_lines(path, 0, None, columns, progress)
    else:
        read_array(path, columns, progress)
    return columns.result()


PARALLEL_BYTES = 32 << 20


def _can_fork() -> bool:
    import multiprocessing  # imported only when a log is big enough to split (~40 ms at start-up)

    return "fork" in multiprocessing.get_all_start_methods()


__all__ = [
    "BattleLog",
    "FORMATS",
    "LogError",
    "WINNER_CODES",
    "categories_of",
    "detect_format",
    "iter_record_batches",
    "load_battles",
    "parse_records",
    "style_of",
]
