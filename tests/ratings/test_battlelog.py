"""The streaming battle-log reader shared by `arenabot ratings` and `arenabot import`."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from arenabot import battlelog
from arenabot.cli import main
from arenabot.ratings import A_WINS, B_WINS, BOTH_BAD, TIE
from tests.ratings.data_paths import GENAI, need

WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)"]


def messy_records(n: int, seed: int = 0) -> list:
    """Valid battles with nested values and strings that look like record boundaries, plus every
    kind of bad record, scattered."""
    rng = random.Random(seed)
    records = []
    for k in range(n):
        a, b = rng.sample(["m,}{0", "m1", "m2", "m3 }, {", "m4"], 2)
        rec = {"model_a": a, "model_b": b, "winner": rng.choice(WINNERS), "anony": rng.random() < 0.7,
               "tstamp": 1000.0 + k, "judge": "u},{\"x\"", "conversation": [{"role": "user", "content": "}, {"}, {"a": [{}]}],
               "category_tag": {"math_v0.1": {"math": rng.random() < 0.5}}}
        bad = rng.random()
        if bad < 0.03:
            rec["model_b"] = rec["model_a"]
        elif bad < 0.06:
            rec["winner"] = "model_c"
        elif bad < 0.08:
            del rec["model_b"]
        elif bad < 0.09:
            rec["anony"] = "yes"  # not a bool: the record still counts, as not anonymous
        records.append(rec)
    records[n // 3] = [1, 2]
    records[n // 2] = "not a record"
    return records


def same_log(x: battlelog.BattleLog, y: battlelog.BattleLog) -> None:
    assert x.models == y.models and x.rejected == y.rejected
    for name in ("model_a", "model_b", "outcome", "anony"):
        assert np.array_equal(getattr(x, name), getattr(y, name)), name
    assert np.array_equal(x.tstamp, y.tstamp, equal_nan=True)
    assert x.categories == y.categories


@pytest.mark.parametrize("indent", [None, 2])
def test_any_chunk_size_reads_the_same_battles(tmp_path, monkeypatch, indent):
    records = messy_records(400)
    array, lines = tmp_path / "log.json", tmp_path / "log.jsonl"
    array.write_text(json.dumps(records, indent=indent))
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n\n")
    whole = battlelog.load_battles(array)
    assert whole.rejected == {
        "same model on both sides": sum(isinstance(r, dict) and r.get("model_a") == r.get("model_b") for r in records),
        "unknown winner value": sum(isinstance(r, dict) and r.get("winner") == "model_c" for r in records),
        "missing field (model_a, model_b or winner)": sum(isinstance(r, dict) and "model_b" not in r for r in records),
        "record is not a JSON object": sum(not isinstance(r, dict) for r in records),
    }
    assert whole.anony.sum() == sum(isinstance(r, dict) and r.get("anony") is True and r.get("model_b") not in (None, r["model_a"])
                                    and r["winner"] != "model_c" for r in records)
    for size in (50, 333, 4096):
        monkeypatch.setattr(battlelog.framing, "CHUNK_BYTES", size)
        same_log(battlelog.load_battles(array), whole)
        from_lines = battlelog.load_battles(lines)
        assert from_lines.rejected.pop("invalid JSON line") == 1
        same_log(from_lines, whole)
        assert battlelog.parse_records(array.read_bytes()) == records
        assert battlelog.parse_records(lines.read_bytes().replace(b"not json\n", b"")) == records


def test_two_processes_read_exactly_what_one_does(tmp_path, monkeypatch):
    lines = tmp_path / "log.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in messy_records(3000, seed=4)) + "\n")
    monkeypatch.setattr(battlelog.framing, "CHUNK_BYTES", 10_000)
    one = battlelog.load_battles(lines, workers=1)
    two = battlelog.load_battles(lines, workers=2)
    same_log(two, one)
    seen = []
    battlelog.load_battles(lines, None, seen.append, workers=2)
    assert sum(seen) == lines.stat().st_size  # the progress bar ends full


def test_a_helper_that_dies_costs_time_not_battles(tmp_path, monkeypatch):
    import os

    from arenabot.battlelog import parallel

    lines = tmp_path / "log.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in messy_records(1000, seed=2)) + "\n")
    monkeypatch.setattr(parallel, "_read_second_half", lambda *args: os._exit(3))  # as if killed
    seen = []
    same_log(battlelog.load_battles(lines, None, seen.append, workers=2), battlelog.load_battles(lines, workers=1))
    assert sum(seen) >= lines.stat().st_size


def test_only_the_columns_asked_for_are_read(tmp_path):
    lines = tmp_path / "log.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in messy_records(200)) + "\n")
    full = battlelog.load_battles(lines)
    lean = battlelog.load_battles(lines, style=False, categories=False, anony=False, tstamp=False)
    assert np.array_equal(lean.outcome, full.outcome) and lean.models == full.models
    assert not lean.anony.any() and full.anony.any()
    assert np.isnan(lean.tstamp).all() and not np.isnan(full.tstamp).any()
    assert not any(lean.categories) and any(full.categories)


def test_outcome_codes_are_the_engines():
    assert battlelog.WINNER_CODES == {
        "model_a": A_WINS,
        "model_b": B_WINS,
        "tie": TIE,
        "tie (bothbad)": BOTH_BAD,
        "both_bad": BOTH_BAD,  # the spelling some newer logs use
    }
    from arenabot import ratings_cli

    assert ratings_cli.FORMATS == battlelog.FORMATS


@pytest.mark.parametrize("chunk", [8, 1 << 20])
def test_broken_json_is_refused_with_its_place(monkeypatch, chunk):
    monkeypatch.setattr(battlelog.framing, "CHUNK_BYTES", chunk)
    with pytest.raises(ValueError, match="line 3 is not valid JSON"):
        battlelog.parse_records(b'{"model_a": "x"}\n{"model_a": "y"}\n{oops\n')
    with pytest.raises(ValueError, match="not valid JSON at byte 26: .*expected ':'"):  # the 3 after "a"
        battlelog.parse_records(b'[{"a": 1}, {"a": 2}, {"a" 3}]')


def test_import_streams_in_batches_and_numbers_bad_records_in_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(battlelog.framing, "CHUNK_BYTES", 300)  # many batches
    records = [{"model_a": f"m{k % 3}", "model_b": f"m{(k + 1) % 3}", "winner": "model_a", "judge": f"j{k}",
                "tstamp": float(k), "anony": True} for k in range(60)]
    records[47]["winner"] = "nobody"
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    assert main(["import", "in.jsonl"]) == 0
    out = capsys.readouterr().out
    assert "Imported 59 battles" in out and "record 47:" in out
    assert main(["import", "in.jsonl"]) == 1  # nothing new and a bad record: as /arena import says
    assert "Imported 0 battles; 59 were already here" in capsys.readouterr().err


def test_ratings_and_import_read_the_real_log_alike(tmp_path, monkeypatch, capsys):
    path = need(GENAI / "clean_battle_20240220.json")
    log = battlelog.load_battles(path)
    records = battlelog.parse_records(path.read_bytes())
    assert len(records) == len(log) + sum(log.rejected.values()) == 2061
    assert json.loads(path.read_text()) == records


def voted_records(n: int, seed: int) -> list:
    """messy_records where most rows are votes sharing a question_id (three per battle)."""
    records = messy_records(n, seed)
    rng = random.Random(seed)
    for k, rec in enumerate(records):
        if isinstance(rec, dict) and rng.random() < 0.8:
            rec["question_id"] = f"q{k // 3}"
    return records


def expected_battles(records: list) -> list:
    """Each valid row's question_id (None: a battle of its own), by the reader's validity rules."""
    return [
        r.get("question_id")
        for r in records
        if isinstance(r, dict) and "model_b" in r and r["model_a"] != r["model_b"] and r["winner"] in WINNERS
    ]


def same_battles(ids: np.ndarray, qids: list) -> None:
    """Rows share a battle id exactly when they share a question_id."""
    assert len(ids) == len(qids)
    for k in range(len(qids)):
        together = {j for j in range(len(qids)) if ids[j] == ids[k]}
        assert together == ({j for j, q in enumerate(qids) if q == qids[k]} if qids[k] is not None else {k}), k


def test_question_ids_become_battle_ids_on_every_path(tmp_path, monkeypatch):
    records = voted_records(300, seed=5)
    qids = expected_battles(records)
    array, lines = tmp_path / "log.json", tmp_path / "log.jsonl"
    array.write_text(json.dumps(records))
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    for size in (200, 5000, 1 << 20):  # small chunks take the loose path more often
        monkeypatch.setattr(battlelog.framing, "CHUNK_BYTES", size)
        same_battles(battlelog.load_battles(array).battle, qids)
        same_battles(battlelog.load_battles(lines, workers=1).battle, qids)
        same_battles(battlelog.load_battles(lines, workers=2).battle, qids)
    kept = battlelog.load_battles(array)
    keep = kept.outcome == A_WINS
    assert np.array_equal(kept.subset(keep).battle, kept.battle[keep])


def test_question_ids_are_none_when_absent_or_not_asked_for(tmp_path):
    with_ids, without = tmp_path / "votes.json", tmp_path / "battles.json"
    with_ids.write_text(json.dumps(voted_records(100, seed=1)))
    without.write_text(json.dumps(messy_records(100, seed=1)))
    assert battlelog.load_battles(without).battle is None
    assert battlelog.load_battles(with_ids, battle=False).battle is None
    assert battlelog.load_battles(with_ids).battle is not None


def test_both_bad_spellings_read_alike(tmp_path):
    """`both_bad` and `tie (bothbad)` are one outcome, on the typed and the loose path alike."""
    rows = [{"model_a": "x", "model_b": "y", "winner": w} for w in ("both_bad", "tie (bothbad)", "model_a")]
    for name, records in (("typed", rows), ("loose", [*rows, {"model_a": "x"}])):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(records))
        log = battlelog.load_battles(path)
        assert log.outcome.tolist() == [BOTH_BAD, BOTH_BAD, A_WINS], name
