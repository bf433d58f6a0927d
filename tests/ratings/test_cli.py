"""`arenabot ratings FILE ...`: formats, switches, JSON contract, bad records, errors."""
from __future__ import annotations

import json

import pytest

from arenabot.cli import main
from tests.ratings.data_paths import GENAI, LLMFAO, need


def run(capsys, *argv):
    code = main(["ratings", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def battle(a, b, winner, **extra):
    return {"model_a": a, "model_b": b, "winner": winner, **extra}


@pytest.fixture
def small_log(tmp_path):
    records = [battle("x", "y", "model_a", anony=True, tstamp=1, category_tag={"math_v0.1": {"math": True}}),
               battle("x", "y", "model_a", anony=True, tstamp=2),
               battle("y", "z", "tie", anony=False, tstamp=3),
               battle("z", "x", "model_b", anony=True, tstamp=4, category_tag=["coding"]),
               battle("y", "x", "tie (bothbad)", anony=True, tstamp=5, category_tag="math"),
               battle("z", "y", "model_a", anony=True, tstamp=6),
               battle("x", "x", "model_a"), battle("x", "y", "model_c"), {"model_a": "x", "winner": "tie"}]
    array = tmp_path / "battles.json"
    array.write_text(json.dumps(records))
    lines = tmp_path / "battles.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n")
    return array, lines


def test_json_output_contract_and_bad_record_report(capsys, small_log):
    array, _ = small_log
    code, out, err = run(capsys, array, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["method"] == "bradley-terry" and data["n_battles"] == 6
    ratings = [m["rating"] for m in data["models"]]
    assert ratings == sorted(ratings, reverse=True)
    assert set(data["models"][0]) >= {"model", "rating", "ci_lower", "ci_upper", "rank", "battles", "win_rate"}
    assert data["rejected"] == {"same model on both sides": 1, "unknown winner value": 1,
                                "missing field (model_a, model_b or winner)": 1}
    assert "skipped 3 bad records" in err


def test_jsonl_is_detected_and_equals_the_array(capsys, small_log):
    array, lines = small_log
    _, out_array, _ = run(capsys, array, "--json")
    _, out_lines, err = run(capsys, lines, "--json")
    assert json.loads(out_lines)["models"] == json.loads(out_array)["models"]
    assert "invalid JSON line: 1" in err


def test_filters_anchor_and_methods(capsys, small_log):
    array, _ = small_log
    data = json.loads(run(capsys, array, "--json", "--anonymous-only")[1])
    assert data["n_battles"] == 5
    data = json.loads(run(capsys, array, "--json", "--category", "math")[1])
    assert data["n_battles"] == 2
    data = json.loads(run(capsys, array, "--json", "--anchor", "y=1114")[1])
    assert {m["model"]: m["rating"] for m in data["models"]}["y"] == pytest.approx(1114)
    data = json.loads(run(capsys, array, "--json", "--elo")[1])
    assert data["method"] == "elo"
    boot = json.loads(run(capsys, array, "--json", "--bootstrap", "50", "--seed", "3")[1])
    again = json.loads(run(capsys, array, "--json", "--bootstrap", "50", "--seed", "3")[1])
    assert boot["ci"] == "bootstrap" and boot == again
    drop = json.loads(run(capsys, array, "--json", "--ties", "drop")[1])
    assert drop["models"] != json.loads(run(capsys, array, "--json")[1])["models"]


def test_table_output(capsys, small_log):
    array, _ = small_log
    code, out, _ = run(capsys, array)
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["rank", "model", "rating"]
    assert "bradley-terry, 6 battles" in out


def test_style_uses_conv_metadata(capsys, tmp_path):
    meta = lambda la, lb: {"sum_assistant_a_tokens": la, "sum_assistant_b_tokens": lb,  # noqa: E731
                           "header_count_a": {"h1": 1}, "header_count_b": {"h1": 0},
                           "list_count_a": {"ordered": 0, "unordered": 2}, "list_count_b": {"ordered": 1, "unordered": 0},
                           "bold_count_a": {"**": 1, "__": 0}, "bold_count_b": {"**": 0, "__": 0}}
    records = [battle("x", "y", w, conv_metadata=meta(la, lb))
               for w, la, lb in [("model_a", 300, 100), ("model_b", 90, 400), ("tie", 200, 210),
                                 ("model_a", 500, 120), ("model_b", 100, 90), ("model_a", 100, 300)]]
    records.append(battle("x", "y", "model_a"))  # no metadata: counted, not used
    path = tmp_path / "styled.json"
    path.write_text(json.dumps(records))
    code, out, err = run(capsys, path, "--json", "--style")
    data = json.loads(out)
    assert code == 0 and data["method"] == "bradley-terry+style"
    assert set(data["extra"]["style"]) == {"length", "headers", "lists", "bold"}
    assert "no conv_metadata for style control: 1" in err


def test_errors_are_clear(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "missing.json")
    assert code == 2 and "no such file" in err
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n")
    code, _, err = run(capsys, odd)
    assert code == 2 and "--format" in err
    with pytest.raises(SystemExit):
        run(capsys, odd, "--anchor", "no-rating")
    assert "MODEL=RATING" in capsys.readouterr().err


def test_real_logs_through_the_command(capsys):
    code, out, _ = run(capsys, need(LLMFAO / "crowd-comparisons.csv"), "--json")
    assert code == 0 and len(json.loads(out)["models"]) == 59
    code, out, err = run(capsys, need(GENAI / "clean_battle_20240220.json"), "--json", "--l2", "1", "--double",
                         "--anonymous-only")
    data = json.loads(out)
    assert code == 0 and data["n_battles"] == 1515
    assert "same model on both sides: 1" in err


def test_bootstrap_with_sandwich_is_an_error(capsys, small_log):
    array, _ = small_log
    code, out, err = run(capsys, array, "--bootstrap", "50", "--ci", "sandwich")
    assert code == 2 and out == ""
    assert "--bootstrap N" in err and "--ci sandwich" in err
    code, _, err = run(capsys, array, "--elo", "--ci", "sandwich")
    assert code == 2 and "Elo has no sandwich interval" in err


def test_elo_shows_bootstrap_intervals_or_none_never_zero_width_ones(capsys, small_log):
    array, _ = small_log
    plain = json.loads(run(capsys, array, "--json", "--elo", "--seed", "1")[1])
    assert plain["ci"] == "none"
    table = run(capsys, array, "--elo")[1]
    assert "95% CI" not in table and "±0" not in table
    few = json.loads(run(capsys, array, "--json", "--elo", "--bootstrap", "20", "--seed", "1")[1])
    assert few["ci"] == "bootstrap"
    assert all(m["ci_upper"] > m["ci_lower"] for m in few["models"])


def test_question_ids_cluster_the_intervals_and_the_json_says_so(capsys, tmp_path):
    # 60 battles, each voted on by 4 people who all agree (the strongest correlation).
    records, plain = [], []
    for q in range(60):
        a, b = ("x", "y") if q % 3 else ("y", "z")
        winner = "model_a" if q % 4 else "model_b"
        records += [battle(a, b, winner, question_id=f"q{q}") for _ in range(4)]
        plain += [battle(a, b, winner) for _ in range(4)]
    voted = tmp_path / "votes.json"
    voted.write_text(json.dumps(records))
    unclustered = tmp_path / "plain.json"
    unclustered.write_text(json.dumps(plain))
    clustered = json.loads(run(capsys, voted, "--json")[1])
    naive = json.loads(run(capsys, unclustered, "--json")[1])
    assert clustered["extra"]["clustered_on"] == "question_id"
    assert naive["extra"]["clustered_on"].startswith("none")
    width = lambda d: {m["model"]: m["ci_upper"] - m["ci_lower"] for m in d["models"]}  # noqa: E731
    for model, w in width(naive).items():
        assert width(clustered)[model] == pytest.approx(2 * w, rel=0.05)  # 4 agreeing votes = 1 battle
    assert [m["rating"] for m in clustered["models"]] == pytest.approx([m["rating"] for m in naive["models"]])
