"""Leaderboard charts: what the chart states (rating and interval per model, the anchor line,
groups that never met as separate bands), and `--png` on `arenabot ratings` and `arenabot
leaderboard`. Assertions are on the figure's artists and texts, not on pixels."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
from matplotlib.lines import Line2D
from PIL import Image

import arenabot.chart as chart
from arenabot.chart import anchored, centred, leaderboard_figure, leaderboard_png
from arenabot.cli import main

from .test_output import RECORDS


@dataclass(frozen=True)
class Row:
    model: str
    rating: float
    ci_lower: float
    ci_upper: float
    rank: int


ROWS = [Row("alpha", 1131.4, 984.7, 1278.1, 1), Row("delta", 1080.0, 1000.0, 1160.0, 1),
        Row("beta", 1000.0, 950.2, 1049.8, 2), Row("epsilon", 920.0, 840.0, 1000.0, 1)]
GROUPS = {"alpha": 0, "beta": 0, "delta": 1, "epsilon": 1}


def texts(figure, gid):
    return [t.get_text() for t in figure.axes[0].texts if t.get_gid() == gid]


def reference_lines(figure) -> list[Line2D]:
    return [line for line in figure.axes[0].lines if line.get_gid() == "reference"]


def test_every_model_has_its_rating_and_interval_written_beside_it_grouped():
    figure = leaderboard_figure(ROWS, "t", groups=GROUPS, reference=centred(1000.0, 2))
    axes = figure.axes[0]
    # Group bands top to bottom: alpha's group first (its best row leads), rows in board order,
    # ranked within their group (beta's interval overlaps alpha's, so both are rank 1).
    assert [t.get_text() for t in axes.get_yticklabels()] == ["1. alpha", "1. beta", "1. delta", "1. epsilon"]
    assert texts(figure, "rating") == ["1131 [985, 1278]", "1000 [950, 1050]", "1080 [1000, 1160]", "920 [840, 1000]"]
    assert texts(figure, "group-label") == ["group 2 of 2: never met the models above (not comparable)"]
    # The dots sit at the ratings and the whiskers span the intervals, one series per group.
    assert [list(c.lines[0].get_xdata()) for c in axes.containers] == [[1131.4, 1000.0], [1080.0, 920.0]]
    spans = [[(s[0][0], s[1][0]) for s in c.lines[2][0].get_segments()] for c in axes.containers]
    assert spans == [[(984.7, 1278.1), (950.2, 1049.8)], [(1000.0, 1160.0), (840.0, 1000.0)]]
    ticks = dict(zip([t.get_text() for t in axes.get_yticklabels()], axes.get_yticks(), strict=True))
    label_y = next(t.get_position()[1] for t in axes.texts if t.get_gid() == "group-label")
    assert ticks["1. beta"] > label_y > ticks["1. delta"]  # the label separates the bands
    # One dashed line per band, both at the centre; the legend names it once.
    lines = reference_lines(figure)
    assert len(lines) == 2 and all(set(line.get_xdata()) == {1000.0} for line in lines)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["each group's mean rating 1000"]
    low, high = axes.get_xlim()
    assert low < 840.0 and high > 1278.1  # every whisker inside


def test_an_anchor_pins_only_its_own_group():
    figure = leaderboard_figure(ROWS, "t", groups=GROUPS, reference=anchored("delta", 1080.0))
    lines = reference_lines(figure)
    assert [set(line.get_xdata()) for line in lines] == [{1000.0}, {1080.0}]  # alpha's band, delta's band
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "groups without the anchor: mean rating 1000", "anchor: delta = 1080"]


def test_without_intervals_only_ratings_are_written_and_no_whiskers_drawn():
    figure = leaderboard_figure(ROWS[:2], "Elo", intervals=False)
    assert texts(figure, "rating") == ["1131", "1080"]
    assert not any(container.has_xerr for container in figure.axes[0].containers)
    assert figure.axes[0].get_legend() is None  # no reference given, no line


def test_chat_charts_stop_at_max_bars_and_say_so():
    rows = [Row(f"m{k:02d}", 1200.0 - k, 1190.0 - k, 1210.0 - k, k + 1) for k in range(40)]
    figure = leaderboard_figure(rows, "Board")
    assert len(figure.axes[0].get_yticklabels()) == chart.MAX_BARS
    assert figure.axes[0].get_title() == f"Board (top {chart.MAX_BARS} of 40)"
    assert len(leaderboard_figure(rows, "Board", limit=None).axes[0].get_yticklabels()) == 40


def test_png_is_a_valid_image():
    png = leaderboard_png(ROWS, "t", groups=GROUPS, reference=centred())
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG" and image.size[0] > 400 and image.size[1] > 200
    assert leaderboard_png([], "t") is None


def test_filename_from_title():
    assert chart.filename_for("Leaderboard - this console - coding") == "leaderboard-this-console-coding.png"
    assert chart.filename_for("***") == "leaderboard.png"


@pytest.fixture
def drawn(monkeypatch):
    """Every figure the commands draw, with the arguments they were drawn from."""
    calls = []
    real = chart.leaderboard_figure

    def spy(rows, title="", **options):
        figure = real(rows, title, **options)
        calls.append({"rows": list(rows), "title": title, **options, "figure": figure})
        return figure

    monkeypatch.setattr(chart, "leaderboard_figure", spy)
    return calls


def assert_png(path):
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    Image.open(path).verify()


def test_ratings_png_draws_the_board_with_its_groups_and_anchor(tmp_path, capsys, drawn):
    log = tmp_path / "battles.json"
    log.write_text(json.dumps(RECORDS))
    out = tmp_path / "board.png"
    assert main(["ratings", str(log), "--anchor", "beta=1100", "--png", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    board = json.loads(captured.out)  # stdout stays the board alone
    assert f"chart: {out}" in captured.err
    assert_png(out)
    [call] = drawn
    assert [r.model for r in call["rows"]] == [m["model"] for m in board["models"]]
    assert [r.rating for r in call["rows"]] == [m["rating"] for m in board["models"]]
    groups = call["groups"]
    assert groups["alpha"] == groups["beta"] == groups["gamma"] != groups["delta"] == groups["epsilon"]
    assert call["reference"] == anchored("beta", 1100.0)
    assert call["limit"] is None and call["intervals"] is True
    beta = next(m for m in board["models"] if m["model"] == "beta")
    assert f"{beta['rating']:.0f} [{beta['ci_lower']:.0f}, {beta['ci_upper']:.0f}]" in texts(call["figure"], "rating")


def test_ratings_png_for_elo_without_rounds_has_no_intervals(tmp_path, capsys, drawn):
    log = tmp_path / "battles.json"
    log.write_text(json.dumps(RECORDS))
    assert main(["ratings", str(log), "--elo", "--png", str(tmp_path / "elo.png")]) == 0
    [call] = drawn
    assert call["intervals"] is False and call["reference"].rating == 1000.0
    assert_png(tmp_path / "elo.png")


def test_png_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys):
    log = tmp_path / "battles.json"
    log.write_text(json.dumps(RECORDS))
    assert main(["ratings", str(log), "--png", str(tmp_path / "missing-dir" / "x.png")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--png: cannot write" in err and "missing-dir" in err


def test_leaderboard_png_from_the_database(tmp_path, monkeypatch, capsys, drawn):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    (tmp_path / "in.json").write_text(json.dumps([dict(r, judge=f"j{k}") for k, r in enumerate(RECORDS)]))
    assert main(["import", "in.json"]) == 0
    capsys.readouterr()
    assert main(["leaderboard", "--png", "board.png", "--json"]) == 0
    captured = capsys.readouterr()
    board = json.loads(captured.out)
    assert "chart: board.png" in captured.err
    assert_png(tmp_path / "board.png")
    [call] = drawn
    assert [r.model for r in call["rows"]] == [m["model"] for m in board["models"]]
    assert call["title"] == board["title"]
    groups = call["groups"]
    assert groups["alpha"] == groups["beta"] != groups["delta"] == groups["epsilon"]
    assert call["reference"] == centred(1000.0, 2)
    assert texts(call["figure"], "group-label") == ["group 2 of 2: never met the models above (not comparable)"]
