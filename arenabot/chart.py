"""Charts as PNGs, wherever a board appears: Discord, Slack, the console, `arenabot leaderboard
--png FILE` and `arenabot ratings LOG --png FILE`; and one model's rating over published boards.

The chart states its numbers: each model's rating and 95% interval are written beside its
whisker; a dashed line marks the anchor (a pinned model's rating, or the rating every group is
centred on); models in groups that never met, directly or through others, are drawn in separate
bands with their own colour, because ratings are not comparable across groups.

matplotlib loads only when a chart is drawn (it costs about a second), never at start-up.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from arenabot.boardformat import grouped

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from arenabot.render import Leaderboard

log = logging.getLogger(__name__)

MAX_BARS = 30  # rows in a chat chart; the command line draws every row
GROUP_COLOURS = ("#5865F2", "#E67E22", "#2ECC71", "#9B59B6", "#E74C3C", "#1ABC9C")
WHISKER_COLOUR = "#99AAB5"


class RatedInterval(Protocol):
    # Read-only, so frozen dataclasses (render.LeaderboardRow, ratings.Row, snapshots) match too.
    @property
    def rating(self) -> float: ...
    @property
    def ci_lower(self) -> float: ...
    @property
    def ci_upper(self) -> float: ...


class RatedRow(RatedInterval, Protocol):
    @property
    def model(self) -> str: ...
    @property
    def rank(self) -> int: ...


@dataclass(frozen=True)
class Reference:
    """The dashed line: where the scale is pinned. With `model` (an anchor), only that model's
    group is pinned there; the other groups stay centred on `centre`."""

    rating: float
    label: str
    model: str | None = None
    centre: float = 1000.0


def centred(rating: float = 1000.0, groups: int = 1) -> Reference:
    where = "each group's mean" if groups > 1 else "mean"
    return Reference(rating, f"{where} rating {rating:g}")


def anchored(model: str, rating: float, centre: float = 1000.0) -> Reference:
    return Reference(rating, f"anchor: {model} = {rating:g}", model=model, centre=centre)


def _band_reference(reference: Reference, part: Sequence[RatedRow]) -> Reference:
    if reference.model is None or any(row.model == reference.model for row in part):
        return reference
    return Reference(reference.centre, f"groups without the anchor: mean rating {reference.centre:g}")


def plotting_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def annotation(row: RatedRow, intervals: bool = True) -> str:
    """What is written beside a model: its rating and interval, e.g. "1131 [985, 1278]"."""
    return f"{row.rating:.0f} [{row.ci_lower:.0f}, {row.ci_upper:.0f}]" if intervals else f"{row.rating:.0f}"


def group_label(k: int, n: int) -> str:
    return f"group {k + 1} of {n}: never met the models above (not comparable)"


def leaderboard_figure(
    rows: Sequence[RatedRow],
    title: str = "Arena leaderboard",
    *,
    groups: Mapping[str, int] | None = None,
    reference: Reference | None = None,
    intervals: bool = True,
    limit: int | None = MAX_BARS,
) -> Figure:
    """The chart as a matplotlib Figure (not attached to pyplot: no global state, thread-safe).
    Best model on top; `limit` rows at most (None: all)."""
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display: render to memory only
    from matplotlib.figure import Figure

    shown = list(rows) if limit is None else list(rows)[:limit]
    parts = grouped(shown, groups)
    n_groups = len(grouped(rows, groups))
    if len(shown) < len(rows):
        title = f"{title} (top {len(shown)} of {len(rows)})"

    # One line per model and per group label, top to bottom; y counts down from 0.
    lines = len(shown) + len(parts) - 1
    figure = Figure(figsize=(8, 1.4 + 0.36 * max(lines, 1)), dpi=110)
    axes = figure.add_subplot()
    y = 0.0
    ticks: list[float] = []
    tick_labels: list[str] = []
    lows = [r.ci_lower if intervals else r.rating for r in shown]
    highs = [r.ci_upper if intervals else r.rating for r in shown]
    labelled: set[str] = set()
    for k, part in enumerate(parts):
        colour = GROUP_COLOURS[k % len(GROUP_COLOURS)]
        if reference is not None:
            # The dashed line spans the group it pins (an anchor pins only its own group).
            line = _band_reference(reference, part)
            top = y + (0.5 if k else 0.8)
            axes.plot(
                [line.rating] * 2,
                [top, y - len(part) - (1 if k else 0) + 0.5],
                color="#555555",
                linestyle="--",
                linewidth=1,
                label=None if line.label in labelled else line.label,
                gid="reference",
            )
            labelled.add(line.label)
            lows.append(line.rating)
            highs.append(line.rating)
        if k:
            axes.axhline(y + 0.5, color="#666666", linewidth=0.8, linestyle=":")
            axes.text(
                0.01,
                y,
                group_label(k, n_groups),
                transform=axes.get_yaxis_transform(),
                va="center",
                fontsize=8,
                style="italic",
                color="#444444",
                gid="group-label",
            )
            y -= 1
        band = [y - n for n in range(len(part))]
        whiskers = [[max(0.0, r.rating - r.ci_lower) for r in part], [max(0.0, r.ci_upper - r.rating) for r in part]]
        axes.errorbar(
            [r.rating for r in part],
            band,
            xerr=whiskers if intervals else None,
            fmt="o",
            color=colour,
            ecolor=WHISKER_COLOUR,
            capsize=3,
            markersize=5,
        )
        for row in part:
            axes.annotate(
                annotation(row, intervals),
                xy=(row.ci_upper if intervals else row.rating, y),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                gid="rating",
            )
            ticks.append(y)
            tick_labels.append(f"{row.rank}. {row.model}")
            y -= 1
    axes.set_yticks(ticks, tick_labels, fontsize=8)
    axes.set_ylim(y + 0.5, 0.5 + (0.3 if lines else 0.5))

    if labelled:  # under the axes, where it hides no model
        axes.legend(loc="upper left", bbox_to_anchor=(0.0, -0.6 / figure.get_figheight()), fontsize=8, frameon=False)
    if shown:
        low, high = min(lows), max(highs)
        span = max(high - low, 1.0)
        axes.set_xlim(low - 0.05 * span, high + 0.3 * span)  # room on the right for the numbers
    axes.set_xlabel("rating (95% interval)" if intervals else "rating")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", alpha=0.3)
    return figure


def leaderboard_png(rows: Sequence[RatedRow], title: str = "Arena leaderboard", **options) -> bytes | None:
    """The chart as PNG bytes; None without rows or without matplotlib. Options as for
    `leaderboard_figure`."""
    if not rows or not plotting_available():
        return None
    buffer = io.BytesIO()
    leaderboard_figure(rows, title, **options).savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def board_png(board: Leaderboard) -> bytes | None:
    """A chat board's chart (the bot's boards are mean-centred on 1000), or None: a chart that
    cannot be drawn leaves the table to speak alone, it never fails the reply."""
    try:
        groups = board.groups
        return leaderboard_png(board.rows, board.title, groups=groups, reference=centred(1000.0, len(set(groups.values()))))
    except Exception:
        log.exception("drawing the leaderboard chart failed; showing the table only")
        return None


def filename_for(title: str) -> str:
    """A file name from a board's title: "Leaderboard - this console - coding" ->
    "leaderboard-this-console-coding.png"."""
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return "-".join(words or ["leaderboard"]) + ".png"


def write_png(path: str | Path, rows: Sequence[RatedRow], title: str, **options) -> Path:
    """Draw the chart into `path` (every row unless `limit` is given). Raises RuntimeError without
    matplotlib or rows, OSError when the file cannot be written."""
    if not plotting_available():
        raise RuntimeError("drawing a chart needs matplotlib: pip install matplotlib")
    if not rows:
        raise RuntimeError("no rated models to draw")
    options.setdefault("limit", None)
    png = leaderboard_png(rows, title, **options)
    assert png is not None
    target = Path(path)
    target.write_bytes(png)
    return target


def history_png(points: Sequence[tuple[datetime, RatedInterval]], model: str) -> bytes | None:
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
