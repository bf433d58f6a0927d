"""A large JSON-lines log read by two processes: this one and a forked helper."""

from __future__ import annotations

from pathlib import Path

from .columns import Columns, Wanted
from .framing import Progress
from .reading import read_lines


def read_lines_in_two(path: Path, size: int, columns: Columns, progress: Progress | None) -> None:
    """Decoding is CPU-bound and msgspec holds the GIL, so a forked process reads the second half
    of the file while this one reads the first; its columns come back through a pipe and its
    model indices are renumbered after ours, which keeps the order of first appearance."""
    with path.open("rb") as fh:
        fh.seek(size // 2)
        fh.readline()
        middle = fh.tell()  # the start of a line: each half holds whole lines
    import multiprocessing  # only for large logs: ~40 ms of imports a small file does without

    context = multiprocessing.get_context("fork")
    done_there = context.Value("q", 0, lock=False)  # the helper's bytes read, for the progress bar
    receive, send = context.Pipe(duplex=False)
    helper = context.Process(target=_read_second_half, args=(path, middle, columns.want, send, done_there), daemon=True)
    helper.start()
    send.close()
    here = shown = 0  # bytes read by this process; bytes reported to `progress`

    def step(n: int) -> None:
        nonlocal here, shown
        here += n
        if progress:
            total = here + done_there.value
            progress(total - shown)
            shown = total

    try:
        read_lines(path, 0, middle, columns, step)
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
        read_lines(path, middle, None, columns, step)
        return
    if progress:
        progress(size - shown)
    columns.merge(*payload)


def _read_second_half(path: Path, start: int, want: Wanted, send, done_there) -> None:
    def step(n: int) -> None:
        done_there.value += n

    try:
        part = Columns(want)
        read_lines(path, start, None, part, step)
        send.send(("ok", part.export()))
    except BaseException as exc:
        send.send(("error", exc if isinstance(exc, Exception) else RuntimeError(repr(exc))))
    finally:
        send.close()
