"""Leaderboards as the command line prints them: an aligned table, CSV, or Markdown to paste.

Works on any rows with `rank, model, rating, ci_lower, ci_upper, battles, win_rate` (a ratings
`Board`'s rows or the store's `Leaderboard` rows). Models in groups that never met each other
(directly or through other models) are shown apart: their ratings are not comparable.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

OUTPUTS = ("table", "json", "csv", "markdown")
_BOLD, _RESET = "\033[1m", "\033[0m"


@dataclass
class BoardView:
    rows: Sequence[Any]
    footer: list[str] = field(default_factory=list)  # method/size line, notes
    title: str | None = None
    groups: dict[str, int] = field(default_factory=dict)  # model -> group number (0 = the top model's)
    intervals: bool = True  # False: the board has none (e.g. Elo without rounds), so no CI column


def use_color(stream) -> bool:
    """ANSI styling only on a terminal and only when NO_COLOR is unset (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def groups_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Connected groups of the comparison graph, numbered in order of first appearance."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    numbers: dict[str, int] = {}
    return {m: numbers.setdefault(root(m), len(numbers)) for m in parent}


def grouped(rows: Sequence[Any], groups: Mapping[str, int] | None) -> list[list[Any]]:
    """Rows split by group, groups ordered by their best row (rows keep their order). With more
    than one group each row is ranked within its own: models that never met have no comparable
    ratings, so "how many are significantly better" counts only the models of its group."""
    order: dict[int, list[Any]] = {}
    for row in rows:
        order.setdefault((groups or {}).get(row.model, 0), []).append(row)
    parts = list(order.values())
    return [_ranked_within(part) for part in parts] if len(parts) > 1 else parts


def _ranked_within(rows: list[Any]) -> list[Any]:
    return [dataclasses.replace(r, rank=1 + sum(o.ci_lower > r.ci_upper for o in rows)) for r in rows]


_CI_COLUMN = 3


def _without_ci(cells: list[str], view: BoardView) -> list[str]:
    return cells if view.intervals else cells[:_CI_COLUMN] + cells[_CI_COLUMN + 1 :]


def _cells(row, view: BoardView) -> list[str]:
    return _without_ci(
        [
            str(row.rank),
            row.model,
            f"{row.rating:.1f}",
            f"{row.ci_lower:.1f} – {row.ci_upper:.1f}",
            f"{int(row.battles):,}",
            f"{row.win_rate:.1%}",
        ],
        view,
    )


_HEADER = ["rank", "model", "rating", "95% CI", "battles", "win rate"]
_MARKDOWN_HEADER = ["Rank", "Model", "Rating", "95% CI", "Battles", "Win rate"]
_MARKDOWN_ALIGN = ["---:", ":---", "---:", ":---:", "---:", "---:"]


def _group_label(k: int, n: int) -> str:
    return f"group {k + 1} of {n}: never met the models above (ratings are not comparable across groups)"


def table(view: BoardView, color: bool = False) -> str:
    groups = grouped(view.rows, view.groups)
    header = _without_ci(_HEADER, view)
    all_rows = [_cells(r, view) for r in view.rows]
    widths = [max(len(c[k]) for c in [header, *all_rows]) for k in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        # Every column but the model name is right-aligned.
        return "  ".join(
            c.ljust(w) if k == 1 else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    head = line(header)
    lines = [f"{_BOLD}{view.title}{_RESET}" if color else view.title] if view.title else []
    lines.append(f"{_BOLD}{head}{_RESET}" if color else head)
    for k, rows in enumerate(groups):
        if k:
            lines.append(_group_label(k, len(groups)))
        lines.extend(line(_cells(r, view)) for r in rows)
    lines.extend(view.footer)
    return "\n".join(lines)


def markdown(view: BoardView) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    head = "| " + " | ".join(_without_ci(_MARKDOWN_HEADER, view)) + " |\n|" + "|".join(_without_ci(_MARKDOWN_ALIGN, view)) + "|"
    out = [f"**{escape(view.title)}**", ""] if view.title else []
    groups = grouped(view.rows, view.groups)
    for k, rows in enumerate(groups):
        if k:
            out += ["", f"*{_group_label(k, len(groups)).capitalize()}*", ""]
        out.append(head)
        out += ["| " + " | ".join(escape(c) for c in _cells(r, view)) + " |" for r in rows]
    if view.footer:
        out += [""] + [f"_{escape(line)}_" for line in view.footer]
    return "\n".join(out)


def csv_text(view: BoardView) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "model", "rating", "ci_lower", "ci_upper", "battles", "win_rate", "group"])
    rank = {row.model: row.rank for part in grouped(view.rows, view.groups) for row in part}  # within its group
    for row in view.rows:
        writer.writerow(
            [
                rank[row.model],
                row.model,
                f"{row.rating:.4f}",
                f"{row.ci_lower:.4f}",
                f"{row.ci_upper:.4f}",
                int(row.battles),
                f"{row.win_rate:.6f}",
                view.groups.get(row.model, 0) + 1,
            ]
        )
    return buffer.getvalue().rstrip("\n")


def render(view: BoardView, output: str, stream) -> str:
    """table, csv or markdown (JSON is each command's own contract)."""
    if output == "csv":
        return csv_text(view)
    if output == "markdown":
        return markdown(view)
    return table(view, color=use_color(stream))
