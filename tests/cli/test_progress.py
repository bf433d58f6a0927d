"""Progress bars: on a terminal's stderr with rate and time left; nothing in pipes or with --quiet."""
from __future__ import annotations

import io
import json

import pytest

from arenabot import progress
from arenabot.cli import main


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def not_quiet(monkeypatch):
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0)  # draw every update, so the test sees the last
    progress.configure(quiet=False)
    yield
    progress.configure(quiet=False)


def test_a_bar_on_a_terminal_shows_rate_and_time_left():
    stream = Terminal()
    with progress.bar("reading", total=10 << 20, bytes_=True, stream=stream) as step:
        for _ in range(10):
            step(1 << 20)
    shown = stream.getvalue()
    assert "reading" in shown and "10.0M/10.0M" in shown
    assert "B/s" in shown and "<" in shown  # rate, then elapsed<left


def test_nothing_when_not_a_terminal_or_quiet():
    piped = io.StringIO()
    with progress.bar("reading", total=5, stream=piped) as step:
        step(5)
    with progress.busy("exporting", stream=piped):
        pass
    assert piped.getvalue() == ""
    progress.configure(quiet=True)
    terminal = Terminal()
    with progress.bar("reading", total=5, stream=terminal) as step:
        step(5)
    assert terminal.getvalue() == ""


def test_busy_shows_elapsed_time_on_a_terminal():
    stream = Terminal()
    with progress.busy("upgrading the database schema", stream=stream):
        pass
    assert "upgrading the database schema: 00:00 elapsed" in stream.getvalue()


def test_reading_and_bootstrap_report_to_a_terminal(tmp_path, monkeypatch, capsys):
    path = tmp_path / "battles.jsonl"
    path.write_text("\n".join(json.dumps({"model_a": a, "model_b": b, "winner": "model_a"})
                              for a, b in [("x", "y"), ("y", "z"), ("z", "x"), ("y", "x")] * 5) + "\n")
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["ratings", str(path), "--bootstrap", "40", "--output", "csv"]) == 0
    shown = terminal.getvalue()
    assert "reading" in shown and "bootstrap" in shown and "40/40" in shown
    terminal.seek(0)
    terminal.truncate()
    assert main(["ratings", str(path), "--bootstrap", "40", "--output", "csv", "--quiet"]) == 0
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out.count("\n") == 2 * (3 + 1)  # two CSV boards, header + 3 models each


def test_import_export_and_db_upgrade_report_to_a_terminal(tmp_path, monkeypatch):
    """Issue 15: importing a log, exporting and upgrading the database show progress on a
    terminal's stderr, and nothing with --quiet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}")
    (tmp_path / "battles.jsonl").write_text(
        "\n".join(json.dumps({"model_a": a, "model_b": b, "winner": "model_a", "judge": f"j{i}", "tstamp": 1.7e9 + i})
                  for i, (a, b) in enumerate([("x", "y"), ("y", "z"), ("z", "x")] * 4)) + "\n"
    )
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["db", "upgrade"]) == 0
    assert "upgrading the database schema" in terminal.getvalue()
    assert main(["import", "battles.jsonl"]) == 0
    assert "importing" in terminal.getvalue()
    assert main(["export", "backup.jsonl"]) == 0
    assert "exporting the database" in terminal.getvalue() and "writing backup.jsonl" in terminal.getvalue()
    terminal.seek(0)
    terminal.truncate()
    assert main(["export", "--quiet", "--format", "clean_battle", "battles.json"]) == 0
    assert terminal.getvalue() == ""
