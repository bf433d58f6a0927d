"""Our Bradley-Terry fit against leaderboards other projects published for the same votes."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from arenabot.ratings import rate_battles
from arenabot.ratings_cli import load_battles, select
from tests.ratings.data_paths import GENAI, LLMFAO, need


def _published_llmfao() -> dict[str, float]:
    lines = need(LLMFAO / "published_bt_scores.txt").read_text().splitlines()
    scores = {}
    for line in lines[2:]:
        if line.strip():
            name, score, _pairs, _rank = line.rsplit(None, 3)
            scores[name.strip()] = float(score)
    return scores


def test_llmfao_strengths_match_published_scores():
    published = _published_llmfao()
    log = load_battles(need(LLMFAO / "crowd-comparisons.csv"))
    assert not log.rejected
    board = rate_battles(log.models, log.model_a, log.model_b, log.outcome, ci="none")
    natural = {r.model: (r.rating - 1000) * np.log(10) / 400 for r in board.rows}
    assert set(natural) == set(published) and len(published) == 59
    strength = np.exp([natural[m] for m in published])
    strength /= strength.sum()
    diff = np.abs(strength - np.array(list(published.values())))
    assert diff.max() < 5e-6, diff.max()


def test_llmfao_dropping_ties_changes_the_scores():
    published = _published_llmfao()
    log = load_battles(need(LLMFAO / "crowd-comparisons.csv"))
    board = rate_battles(log.models, log.model_a, log.model_b, log.outcome, ci="none", ties="drop")
    natural = {r.model: (r.rating - 1000) * np.log(10) / 400 for r in board.rows}
    strength = np.exp([natural[m] for m in published])
    strength /= strength.sum()
    assert np.abs(strength - np.array(list(published.values()))).max() > 1e-4


def _published_genai() -> dict[str, tuple[float, float]]:
    """Published (anonymous, full) ratings keyed by the battle log's model names."""
    boards = {"t2i_generation_leaderboard.csv": "imagenhub_{}_generation",
              "image_editing_leaderboard.csv": "imagenhub_{}_edition"}
    published = {}
    for name, pattern in boards.items():
        with need(GENAI / name).open(newline="") as fh:
            for row in csv.DictReader(fh):
                published[pattern.format(row["key"])] = (float(row["Arena Elo rating (anony)"]),
                                                         float(row["Arena Elo rating (full)"]))
    return published


def _genai_gaps(**switches) -> tuple[float, float]:
    published = _published_genai()
    log = load_battles(need(GENAI / "clean_battle_20240220.json"))
    gaps = []
    for column, anonymous_only in ((0, True), (1, False)):
        part = select(log, anonymous_only, None)
        board = rate_battles(part.models, part.model_a, part.model_b, part.outcome, ci="none", **switches)
        ours = board.ratings()
        assert set(ours) == set(published)
        gaps.append(max(abs(ours[m] - published[m][column]) for m in published))
    return gaps[0], gaps[1]


def test_genai_arena_matches_with_its_switches():
    anonymous, full = _genai_gaps(l2_C=1.0, double=True, ties="half")
    assert anonymous < 0.15 and full < 0.15, (anonymous, full)


@pytest.mark.parametrize("switches", [{}, {"l2_C": 1.0}, {"double": True}])
def test_genai_arena_does_not_match_without_all_switches(switches):
    anonymous, full = _genai_gaps(**switches)
    assert max(anonymous, full) > 0.15, (switches, anonymous, full)


def test_genai_log_reports_its_bad_record():
    log = load_battles(need(GENAI / "clean_battle_20240220.json"))
    assert log.rejected == {"same model on both sides": 1}
    assert len(log) == 2060
