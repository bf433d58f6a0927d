"""`arenabot leaderboard --as-of`, `--history --png` and `--html` on published boards."""
from __future__ import annotations

import asyncio
import json

import pytest

from arenabot.chart import plotting_available
from arenabot.cli import main
from tests.support.published import EVIL, SCOPE, publish_two_boards


@pytest.fixture
def published(tmp_path, monkeypatch, sqlite_url):
    monkeypatch.chdir(tmp_path)  # no arenabot.toml of the developer's
    monkeypatch.setenv("ARENABOT_DATABASE_URL", sqlite_url)
    asyncio.run(publish_two_boards(sqlite_url))
    return tmp_path


def leaderboard(capsys, *argv):
    code = main(["leaderboard", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_as_of_prints_the_board_published_on_or_before_the_date(published, capsys):
    code, out, _ = leaderboard(capsys, "--as-of", "2026-01-05")
    assert code == 0 and "published 2026-01-01 12:00 UTC" in out and "First publication" in out
    code, out, _ = leaderboard(capsys, "--as-of", "2026-01-09", "--json")
    data = json.loads(out)
    assert data["published_at"].startswith("2026-01-08T12:00") and data["previous_at"].startswith("2026-01-01T12:00")
    moves = {m["model"]: (m["rank"], m["move"]) for m in data["models"]}
    assert moves["beta"][0] == 1 and moves["beta"][1].startswith("▲") and moves["alpha"][1].startswith("▼")
    code, out, _ = leaderboard(capsys, "--as-of", "2026-01-09", "--category", "coding", "--output", "csv")
    assert out.splitlines()[0] == "rank,move,model,rating,ci_lower,ci_upper,battles"
    assert {line.split(",")[2] for line in out.splitlines()[1:]} == {"gamma", "alpha"}


def test_as_of_errors_are_one_actionable_line(published, capsys):
    code, _, err = leaderboard(capsys, "--as-of", "2025-12-31")
    assert code == 1 and "no overall anonymous board of fake:guild-1 was published on or before 2025-12-31" in err
    code, _, err = leaderboard(capsys, "--as-of", "yesterday")
    assert code == 2 and "write it like 2026-01-31" in err and len(err.strip().splitlines()) == 1
    code, _, err = leaderboard(capsys, "--as-of", "2026-01-09", "--scope", "discord:1")
    assert code == 1 and "discord:1" in err
    code, _, err = leaderboard(capsys, "--png", "x.png")
    assert code == 2 and "--history" in err


def test_history_lists_and_draws_a_model(published, capsys):
    target = published / "alpha.png"
    code, out, _ = leaderboard(capsys, "--history", "alpha", *(["--png", str(target)] if plotting_available() else []))
    assert code == 0
    lines = [line for line in out.splitlines() if "rank" in line]
    assert [line[:10] for line in lines] == ["2026-01-01", "2026-01-08"]
    if plotting_available():
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = leaderboard(capsys, "--history", "nobody")
    assert code == 1 and "'nobody' is on no published overall board" in err


def test_html_writes_one_self_contained_page_with_every_name_escaped(published, capsys):
    code, out, _ = leaderboard(capsys, "--html", "board.html", "--scope", SCOPE.key)
    assert code == 0 and "board.html" in out
    html = (published / "board.html").read_text(encoding="utf-8")
    assert '<meta name="viewport"' in html
    assert "&lt;b&gt;evil&lt;/b&gt;&amp;co" in html and EVIL not in html
    assert "<script" not in html and "http://" not in html and "https://" not in html  # no external asset
    assert 'id="overall-anonymous"' in html and 'id="coding-anonymous"' in html
