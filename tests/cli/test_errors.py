"""Every CLI error is one line on stderr with a non-zero exit; --debug shows the traceback."""
from __future__ import annotations

import json

import pytest

import arenabot.ratings_cli as ratings_cli
from arenabot.cli import main


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "battles.json"
    path.write_text(json.dumps([{"model_a": "x", "model_b": "y", "winner": "model_a"},
                                {"model_a": "y", "model_b": "x", "winner": "model_a"}]))
    return path


def test_an_unexpected_failure_is_one_line_naming_debug(capsys, log, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the fit fell over\nwith a second line")

    monkeypatch.setattr(ratings_cli, "compute", broken)
    assert main(["ratings", str(log)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("arenabot ratings: error: RuntimeError: the fit fell over with a second line")
    assert "--debug" in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(capsys, log, monkeypatch, where):
    def broken(*args, **kwargs):
        raise RuntimeError("the fit fell over")

    monkeypatch.setattr(ratings_cli, "compute", broken)
    argv = ["--debug", "ratings", str(log)] if where == "before" else ["ratings", str(log), "--debug"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: the fit fell over" in err


def test_user_mistakes_are_one_line_each(capsys, tmp_path, monkeypatch):
    assert main(["ratings", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    with pytest.raises(SystemExit) as stopped:
        main(["ratings"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1 and "FILE" in err and "--help" in err
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    (tmp_path / "bad.toml").write_text("[arena]\nbattle_window_minutes = -5\n")
    assert main(["--config", "bad.toml", "leaderboard"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "battle_window_minutes" in err and "check-config" in err
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert main(["leaderboard", "--scope", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "platform:space" in err
    assert main(["import", "missing.json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.json" in err
