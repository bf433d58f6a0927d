"""CLI subcommands of the core: check-config, export, import, leaderboard."""
from __future__ import annotations

import json

import pytest

from arenabot.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_check_config_passes_on_defaults_and_fails_with_named_problems(env, capsys):
    assert main(["check-config"]) == 0
    assert "Configuration OK" in capsys.readouterr().out
    (env / "bad.toml").write_text('[arena]\nbattle_window_minutes = -5\n\n[[models]]\nname = "x"\nprovider = "openai"\napi_key_env = "NOPE_NOT_SET_KEY"\n')
    assert main(["--config", str(env / "bad.toml"), "check-config"]) == 1
    err = capsys.readouterr().err
    assert "arena.battle_window_minutes" in err and "-5" in err
    (env / "nokey.toml").write_text('[[models]]\nname = "x"\nprovider = "openai"\napi_key_env = "NOPE_NOT_SET_KEY"\n')
    assert main(["--config", str(env / "nokey.toml"), "check-config"]) == 1
    err = capsys.readouterr().err
    assert "NOPE_NOT_SET_KEY" in err and "fewer than two enabled models" in err


def test_import_leaderboard_export_round_trip(env, capsys):
    records = [
        {"model_a": "m-one", "model_b": "m-two", "winner": "model_a", "judge": "j1", "tstamp": 1.0, "anony": True},
        {"model_a": "m-two", "model_b": "m-three", "winner": "model_b", "judge": "j2", "tstamp": 2.0, "anony": True},
        {"model_a": "m-one", "model_b": "m-three", "winner": "tie", "judge": "j3", "tstamp": 3.0, "anony": True},
        {"model_a": "m-one", "model_b": "m-one", "winner": "model_a"},
    ]
    (env / "in.json").write_text(json.dumps(records))
    assert main(["import", "in.json"]) == 0
    out = capsys.readouterr().out
    assert "Imported 3" in out and "rejected" in out
    assert main(["leaderboard"]) == 0
    board = capsys.readouterr().out
    assert all(name in board for name in ("m-one", "m-two", "m-three")) and "3 counted votes" in board
    assert main(["leaderboard", "--scope", "import:cli"]) == 0
    assert "m-one" in capsys.readouterr().out
    assert main(["export", "--format", "clean_battle", "out.json"]) == 0
    exported = json.loads((env / "out.json").read_text())
    assert sorted((r["model_a"], r["model_b"], r["winner"]) for r in exported) == sorted(
        (r["model_a"], r["model_b"], r["winner"]) for r in records[:3]
    )
    assert main(["import", "missing.json"]) == 1
