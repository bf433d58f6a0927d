"""Leaderboard chart: ratings with 95% confidence whiskers as a PNG, for any chat platform.

matplotlib is an optional extra (`pip install arenabot[plot]`); without it `leaderboard_png`
returns None and adapters show the table alone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
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
