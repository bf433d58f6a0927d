"""Progress bars (tqdm) on stderr for long command-line work: reading logs, importing, exporting,
bootstrapping, database upgrades. Shown only when stderr is a terminal and `--quiet` is not given,
so pipes, logs and tests see nothing. tqdm is imported only when a bar is really shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_quiet = False
MIN_INTERVAL = 0.2  # seconds between redraws: a bar must not slow the work it shows

Step = Callable[[int], None]  # advance the bar by n units


def configure(*, quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def _shown(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return not _quiet and bool(isatty and isatty())


def _ignore(n: int = 1) -> None:
    pass


@contextmanager
def bar(description: str, total: float | None = None, *, unit: str = "it", bytes_: bool = False, stream=None) -> Iterator[Step]:
    """`with bar("reading", total=size, bytes_=True) as step: ... step(n)`. Without a total the
    bar shows the count, rate and elapsed time; with one, also the time left."""
    stream = stream or sys.stderr
    if not _shown(stream):
        yield _ignore
        return
    from tqdm import tqdm

    with tqdm(
        total=total,
        desc=description,
        unit="B" if bytes_ else unit,
        unit_scale=bytes_,
        unit_divisor=1024 if bytes_ else 1000,
        file=stream,
        leave=False,
        dynamic_ncols=True,
        mininterval=MIN_INTERVAL,
    ) as shown:
        yield shown.update


@contextmanager
def busy(description: str, *, stream=None) -> Iterator[None]:
    """For work whose size is unknown up front (a database dump, a schema upgrade): a bar that
    shows the elapsed time, redrawn twice a second from a helper thread."""
    stream = stream or sys.stderr
    if not _shown(stream):
        yield
        return
    import threading

    from tqdm import tqdm

    done = threading.Event()
    with tqdm(total=None, desc=description, bar_format="{desc}: {elapsed} elapsed", file=stream, leave=False) as shown:
        ticker = threading.Thread(target=lambda: [shown.refresh() for _ in iter(lambda: done.wait(0.5), True)], daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()
