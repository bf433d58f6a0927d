"""Input that used to crash with a traceback: each is one line on stderr, a non-zero exit, and
nothing written."""

from __future__ import annotations

import json
import sqlite3

import pytest

from arenabot.cli import main

GOOD = [
    {"model_a": "x", "model_b": "y", "winner": "model_a"},
    {"model_a": "y", "model_b": "x", "winner": "model_b"},
]


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    path = tmp_path / "arena.db"
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def rows(path, table: str) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] if found else 0


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "RecursionError" not in err
    return err


@pytest.mark.parametrize("name", ["nested.json", "nested.jsonl"])
def test_deeply_nested_json_is_one_line_for_ratings_and_import(tmp_path, db, capsys, name):
    nested = "[" * 100_000 + "]" * 100_000 if name.endswith(".json") else '{"a":' * 100_000 + "1" + "}" * 100_000
    (tmp_path / name).write_text(nested + "\n")
    assert main(["ratings", name]) != 0
    assert "nested too deeply" in one_line_error(capsys)
    assert main(["import", name]) == 1
    assert "nested too deeply" in one_line_error(capsys)
    assert rows(db, "battles") == rows(db, "models") == 0


@pytest.mark.parametrize("anchor", ["x=nan", "x=inf", "x=-inf"])
def test_a_non_finite_anchor_is_a_usage_error(tmp_path, capsys, anchor):
    (tmp_path / "log.json").write_text(json.dumps(GOOD))
    with pytest.raises(SystemExit) as stopped:
        main(["ratings", str(tmp_path / "log.json"), "--anchor", anchor])
    assert stopped.value.code == 2
    assert "finite" in one_line_error(capsys)


def test_a_negative_seed_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "log.json").write_text(json.dumps(GOOD))
    with pytest.raises(SystemExit) as stopped:
        main(["ratings", str(tmp_path / "log.json"), "--bootstrap", "10", "--seed", "-1"])
    assert stopped.value.code == 2
    assert "--seed must be 0 or more" in one_line_error(capsys)


def test_a_bom_at_the_start_of_a_log_is_read(tmp_path, db, capsys):
    for name, body in (("log.json", json.dumps(GOOD)), ("log.jsonl", "\n".join(json.dumps(r) for r in GOOD))):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + body.encode())
        assert main(["ratings", name, "--output", "csv"]) == 0
        assert main(["import", name, "--scope", f"cli:{name}"]) == 0
    assert rows(db, "battles") == 4


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path, db, capsys):
    (tmp_path / "arenabot.toml").write_bytes(b'[arena]\nsystem_prompt = "caf\xe9"\n')
    assert main(["--config", "arenabot.toml", "leaderboard"]) == 1
    assert "not UTF-8 text" in one_line_error(capsys) and not db.exists()
    assert main(["--config", "arenabot.toml", "check-config"]) == 1
    assert "line 2" in capsys.readouterr().err


def test_an_import_of_only_bad_records_fails_and_leaves_a_fresh_database_empty(tmp_path, db, capsys):
    (tmp_path / "bad.json").write_text(json.dumps([{"foo": 1}, {"model_a": "x"}]))
    assert main(["import", "bad.json"]) == 1
    assert "2 records were rejected" in capsys.readouterr().err
    assert rows(db, "models") == rows(db, "battles") == 0
    # ... so a backup can still be restored into it.
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    other = tmp_path / "other.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{other}")
        assert main(["import", "good.json"]) == 0
        assert main(["leaderboard"]) == 0
        assert main(["export", "backup.jsonl"]) == 0
    assert main(["import", "backup.jsonl"]) == 0
    assert rows(db, "battles") == 2 and rows(db, "models") > 0


def _backup(tmp_path, db) -> list[str]:
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    assert main(["import", "good.json"]) == 0
    assert main(["export", "backup.jsonl"]) == 0
    db.unlink()
    return (tmp_path / "backup.jsonl").read_text().splitlines()


def _battle_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith('{"table":"battles"'))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda row: row.update(turn_count="many"), "turn_count must be an integer"),
        (lambda row: row.update(created_at=1700000000), "created_at must be an ISO 8601 timestamp string"),
        (lambda row: row.update(created_at="yesterday"), "created_at is not an ISO 8601 timestamp"),
        (lambda row: row.update(identity_leak="no"), "identity_leak must be true or false"),
        (lambda row: row.update(scope_key=None), "scope_key is null"),
    ],
)
def test_a_backup_with_a_wrong_value_is_one_line_and_restores_nothing(tmp_path, db, capsys, change, expected):
    lines = _backup(tmp_path, db)
    at = _battle_line(lines)
    record = json.loads(lines[at])
    change(record["row"])
    lines[at] = json.dumps(record)
    (tmp_path / "broken.jsonl").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["import", "broken.jsonl"]) == 1
    err = one_line_error(capsys)
    assert expected in err and f"record {at + 1} (battles)" in err
    assert rows(db, "battles") == 0


def test_a_backup_with_a_duplicate_key_is_refused(tmp_path, db, capsys):
    lines = _backup(tmp_path, db)
    at = _battle_line(lines)
    lines[at] = lines[at].replace('"row":{"id":1,', '"row":{"id":1,"id":2,', 1)
    (tmp_path / "broken.jsonl").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["import", "broken.jsonl"]) == 1
    assert "the key 'id' appears twice" in one_line_error(capsys)
    assert rows(db, "battles") == 0
