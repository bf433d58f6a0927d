"""`arenabot export` / `arenabot import`: a backup round-trips a database exactly, from the shell."""
import json

import pytest

from arenabot.cli import main

CLEAN_BATTLES = [
    {"model_a": "alpha", "model_b": "beta", "winner": "model_a", "judge": "j1", "anony": True, "tstamp": 1700000000.0},
    {"model_a": "beta", "model_b": "gamma", "winner": "tie (bothbad)", "judge": "j2", "anony": True, "tstamp": 1700000100.0},
    {"model_a": "alpha", "model_b": "gamma", "winner": "tie", "judge": "j3", "anony": False, "tstamp": 1700000200.0},
]


def _use_database(monkeypatch, tmp_path, name):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / name}")


def test_backup_round_trips_exactly_and_refuses_a_non_empty_target(tmp_path, monkeypatch, capsys):
    _use_database(monkeypatch, tmp_path, "first.db")
    (tmp_path / "battles.json").write_text(json.dumps(CLEAN_BATTLES))
    assert main(["import", "battles.json"]) == 0
    assert main(["leaderboard"]) == 0  # any start registers the configured models: rows in every table
    assert main(["export", "first.jsonl"]) == 0
    first = (tmp_path / "first.jsonl").read_bytes()
    tables = {json.loads(line).get("table") for line in first.splitlines()}
    assert {"battles", "votes", "pair_counts", "models"} <= tables

    _use_database(monkeypatch, tmp_path, "second.db")
    assert main(["import", "first.jsonl"]) == 0
    assert main(["export", "second.jsonl"]) == 0
    assert (tmp_path / "second.jsonl").read_bytes() == first

    capsys.readouterr()
    assert main(["import", "first.jsonl"]) == 1  # the target now holds data: nothing may be overwritten
    assert "Cannot restore" in capsys.readouterr().err
    assert main(["export", "third.jsonl"]) == 0
    assert (tmp_path / "third.jsonl").read_bytes() == first


def test_clean_battle_format_is_still_available(tmp_path, monkeypatch):
    _use_database(monkeypatch, tmp_path, "arena.db")
    (tmp_path / "battles.json").write_text(json.dumps(CLEAN_BATTLES))
    assert main(["import", "battles.json"]) == 0
    assert main(["export", "--format", "clean_battle", "out.json"]) == 0
    records = json.loads((tmp_path / "out.json").read_text())
    assert sorted(r["winner"] for r in records) == sorted(r["winner"] for r in CLEAN_BATTLES)
    with pytest.raises(SystemExit):
        main(["export", "--format", "csv", "out.csv"])
