"""Charts as PNGs for any chat platform: the leaderboard (ratings with 95% confidence whiskers)
and one model's rating over published boards.

matplotlib is an optional extra (`pip install arenabot[plot]`); without it `leaderboard_png`
returns None and adapters show the table alone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

MAX_BARS = 30


class RatedRow(Protocol):
    # Read-only, so frozen dataclasses (render.LeaderboardRow) match too.
    @property
    def model(self) -> str: ...
    @property
    def rating(self) -> float: ...
    @property
    def ci_lower(self) -> float: ...
    @property
    def ci_upper(self) -> float: ...


def plotting_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def leaderboard_png(rows: Sequence[RatedRow], title: str = "Arena leaderboard") -> bytes | None:
    """A horizontal dot plot, best model on top; None without matplotlib or without rows."""
    if not rows or not plotting_available():
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display: render to memory only
    from matplotlib.figure import Figure  # Figure directly: no global pyplot state, thread-safe

    shown = list(rows)[:MAX_BARS][::-1]  # barh draws bottom-up
    names = [row.model for row in shown]
    ratings = [row.rating for row in shown]
    below = [max(0.0, row.rating - row.ci_lower) for row in shown]
    above = [max(0.0, row.ci_upper - row.rating) for row in shown]

    figure = Figure(figsize=(7, 1.2 + 0.4 * len(shown)), dpi=110)
    axes = figure.add_subplot()
    positions = range(len(shown))
    axes.errorbar(ratings, positions, xerr=[below, above], fmt="o", color="#5865F2", ecolor="#99AAB5", capsize=4)
    axes.set_yticks(list(positions), names)
    axes.set_xlabel("rating (95% CI)")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class HistoryRow(Protocol):
    @property
    def rating(self) -> float: ...
    @property
    def ci_lower(self) -> float: ...
    @property
    def ci_upper(self) -> float: ...


def history_png(points: Sequence[tuple[datetime, HistoryRow]], model: str) -> bytes | None:
    """One model's rating at each published board, its 95% interval as a band; None without
    matplotlib or without points."""
    if not points or not plotting_available():
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    when = [float(date2num(at)) for at, _ in points]
    figure = Figure(figsize=(7, 3.6), dpi=110)
    axes = figure.add_subplot()
    axes.fill_between(
        when, [r.ci_lower for _, r in points], [r.ci_upper for _, r in points], color="#99AAB5", alpha=0.35, label="95% CI"
    )
    axes.plot(when, [r.rating for _, r in points], marker="o", color="#5865F2", label="rating")
    axes.xaxis_date()
    axes.set_title(f"{model}: rating over published boards")
    axes.set_ylabel("rating")
    axes.grid(alpha=0.3)
    axes.legend(loc="best")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
