"""--output table|json|csv|markdown for `arenabot ratings` and `arenabot leaderboard`."""
from __future__ import annotations

import csv
import io
import json

import pytest

from arenabot import boardformat
from arenabot.cli import main


def battle(a, b, winner):
    return {"model_a": a, "model_b": b, "winner": winner, "judge": f"{a}{b}{winner}", "anony": True, "tstamp": 1.0}


# Two groups that never met: {alpha, beta, gamma} and {delta, epsilon}.
RECORDS = ([battle("alpha", "beta", "model_a")] * 3 + [battle("beta", "alpha", "model_a")]
           + [battle("beta", "gamma", "model_a")] * 2 + [battle("gamma", "alpha", "tie")] + [battle("gamma", "beta", "model_a")]
           + [battle("delta", "epsilon", "model_a")] * 2 + [battle("epsilon", "delta", "model_a")])


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(RECORDS))
    return path


def ratings(capsys, *argv):
    assert main(["ratings", *map(str, argv)]) == 0
    return capsys.readouterr().out


def test_json_flag_is_output_json(capsys, log):
    assert ratings(capsys, log, "--json") == ratings(capsys, log, "--output", "json")
    data = json.loads(ratings(capsys, log, "--json"))
    assert data["n_battles"] == len(RECORDS)


def test_table_shows_groups_that_never_met_apart(capsys, log):
    out = ratings(capsys, log).splitlines()
    assert out[0].split()[:3] == ["rank", "model", "rating"]
    split = next(k for k, line in enumerate(out) if line.startswith("group 2 of 2"))
    above = " ".join(out[1:split])
    below = " ".join(out[split + 1:split + 3])
    assert all(m in above for m in ("alpha", "beta", "gamma")) and "delta" not in above
    assert "delta" in below and "epsilon" in below
    assert "\033[" not in "\n".join(out)  # not a terminal: no colour
    # Each group has its own ranks: the best model of the second group is rank 1 of it.
    assert out[split + 1].split()[:2] == ["1", "delta"] and out[1].split()[0] == "1"


def test_csv_parses_with_every_column_and_group(capsys, log):
    rows = list(csv.DictReader(io.StringIO(ratings(capsys, log, "--output", "csv"))))
    assert [r["model"] for r in rows] == [m["model"] for m in json.loads(ratings(capsys, log, "--json"))["models"]]
    assert set(rows[0]) == {"rank", "model", "rating", "ci_lower", "ci_upper", "battles", "win_rate", "group"}
    assert {r["model"]: r["group"] for r in rows} == {"alpha": "1", "beta": "1", "gamma": "1", "delta": "2", "epsilon": "2"}
    assert sum(int(r["battles"]) for r in rows) == 2 * len(RECORDS)
    assert min(int(r["rank"]) for r in rows if r["group"] == "2") == 1


def test_markdown_is_a_pipe_table_per_group(capsys, log):
    out = ratings(capsys, log, "--output", "markdown")
    tables = [line for line in out.splitlines() if line.startswith("| Rank |")]
    assert len(tables) == 2
    assert "|---:|:---|---:|:---:|---:|---:|" in out
    body = [line for line in out.splitlines() if line.startswith("| ") and "Rank" not in line]
    assert len(body) == 5 and all(line.count("|") == 7 for line in body)


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    row = type("Row", (), dict(rank=1, model="m", rating=1000.0, ci_lower=990.0, ci_upper=1010.0, battles=3, win_rate=0.5))
    view = boardformat.BoardView([row])
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\033[1m" in boardformat.render(view, "table", Terminal())
    assert "\033[" not in boardformat.render(view, "table", io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in boardformat.render(view, "table", Terminal())


def test_leaderboard_outputs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    records = [dict(r, judge=f"j{k}") for k, r in enumerate(RECORDS)]  # distinct votes, not duplicates
    (tmp_path / "in.json").write_text(json.dumps(records))
    assert main(["import", "in.json"]) == 0
    capsys.readouterr()
    assert main(["leaderboard", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["model"] for m in data["models"]} == {"alpha", "beta", "gamma", "delta", "epsilon"}
    assert data["votes"] == len(records)
    assert main(["leaderboard", "--output", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["model"] for r in rows] == [m["model"] for m in data["models"]]
    assert {r["model"]: r["group"] for r in rows}["delta"] != {r["model"]: r["group"] for r in rows}["alpha"]
    assert main(["leaderboard", "--output", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**Leaderboard") and out.count("| Rank |") == 2
    assert main(["leaderboard"]) == 0
    out = capsys.readouterr().out
    assert "group 2 of 2" in out and f"{len(records)} counted votes" in out


def test_style_without_style_fields_names_them(capsys, log):
    assert main(["ratings", str(log), "--style"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "conv_metadata" in err and "sum_assistant_a_tokens" in err and "bold_count_b" in err
