"""Anomalous voters: random and adversarial voters are flagged, honest ones rarely."""
from __future__ import annotations

import numpy as np
import pytest

from arenabot.ratings import A_WINS, B_WINS, TIE, find_anomalous_voters, rate_battles

N_MODELS = 40


def simulate(seed: int, n_voters: int = 1000, random_share: float = 0.05, against_share: float = 0.02,
             votes: tuple[int, int] = (60, 200)):
    """Votes of honest, random and always-against-the-favourite voters on an arena-like board.

    Ratings spread like the public board (sd 110); every voter casts `votes` (low, high) votes,
    as regulars of a room do; everyone ties 25% of the time; otherwise honest voters follow
    Bradley-Terry, random ones flip a coin, adversarial ones pick the weaker model."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, 110, N_MODELS)
    kind = rng.choice(3, n_voters, p=[1 - random_share - against_share, random_share, against_share])
    n_votes = rng.integers(votes[0], votes[1] + 1, n_voters)
    voter = np.repeat(np.arange(n_voters), n_votes)
    a = rng.integers(0, N_MODELS, len(voter))
    b = (a + rng.integers(1, N_MODELS, len(voter))) % N_MODELS
    p_a = 1 / (1 + 10 ** ((truth[b] - truth[a]) / 400))
    tie = rng.random(len(voter)) < 0.25
    honest = np.where(tie, TIE, np.where(rng.random(len(voter)) < p_a, A_WINS, B_WINS))
    coin = np.where(tie, TIE, np.where(rng.random(len(voter)) < 0.5, A_WINS, B_WINS))
    against = np.where(truth[a] < truth[b], A_WINS, B_WINS)
    k = kind[voter]
    outcome = np.where(k == 0, honest, np.where(k == 1, coin, against))
    return voter, a, b, outcome, kind


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_and_adversarial_voters_are_flagged_with_few_false_positives(seed, method="score"):
    voter, a, b, outcome, kind = simulate(seed)
    models = [f"m{k}" for k in range(N_MODELS)]
    # The board as the room sees it, bad votes included; ties dropped, since ties counted as half
    # wins compress the ratings and so understate how often honest voters pick the favourite.
    board = rate_battles(models, a, b, outcome, ci="none", ties="drop")
    ratings = np.array([board.row(name).rating for name in models])
    scores = find_anomalous_voters(voter, a, b, outcome, ratings, method=method)
    flagged = np.zeros(len(kind), dtype=bool)
    flagged[np.asarray(scores.voters)] = scores.flagged
    bad = kind > 0
    recall = flagged[bad].mean()
    recall_random, recall_against = flagged[kind == 1].mean(), flagged[kind == 2].mean()
    fpr = flagged[~bad].mean()
    print(f"{method} seed {seed}: recall {recall:.3f} (random {recall_random:.3f}, against the favourite "
          f"{recall_against:.3f}), false-positive rate {fpr:.4f} over {(~bad).sum()} honest voters")
    assert recall >= 0.8
    assert fpr <= 0.02


def test_fisher_combination_catches_adversarial_voters_but_fewer_random_ones():
    """The paper's Fisher combination, for comparison (its figures are printed and reported)."""
    voter, a, b, outcome, kind = simulate(0)
    models = [f"m{k}" for k in range(N_MODELS)]
    board = rate_battles(models, a, b, outcome, ci="none", ties="drop")
    ratings = np.array([board.row(name).rating for name in models])
    fisher = find_anomalous_voters(voter, a, b, outcome, ratings, method="fisher").flagged
    score = find_anomalous_voters(voter, a, b, outcome, ratings).flagged
    print(f"fisher: recall random {fisher[kind == 1].mean():.3f}, against {fisher[kind == 2].mean():.3f}, "
          f"false-positive rate {fisher[kind == 0].mean():.4f}; score: random {score[kind == 1].mean():.3f}")
    assert fisher[kind == 2].mean() >= 0.95 and fisher[kind == 0].mean() <= 0.02
    assert score[kind == 1].mean() > fisher[kind == 1].mean()


@pytest.mark.parametrize("method", ["score", "fisher"])
def test_honest_voters_p_values_are_uniform(method):
    voter, a, b, outcome, kind = simulate(4, random_share=0.0, against_share=0.0)
    truth_board = rate_battles([f"m{k}" for k in range(N_MODELS)], a, b, outcome, ci="none", ties="drop")
    ratings = np.array([truth_board.row(f"m{k}").rating for k in range(N_MODELS)])
    scores = find_anomalous_voters(voter, a, b, outcome, ratings, method=method)
    # Calibrated: the share below any level is about that level.
    for level in (0.05, 0.2, 0.5):
        assert np.mean(scores.p_value < level) == pytest.approx(level, abs=0.04)
    assert np.nanmean(scores.agreement) == pytest.approx(np.nanmean(scores.expected_agreement), abs=0.01)


def test_few_votes_are_never_flagged_and_bad_votes_are_ignored():
    ratings = np.array([1300.0, 900.0])
    voter = ["x"] * 5 + ["y"] * 2
    a, b = [0] * 7, [1] * 6 + [1]
    outcome = [B_WINS] * 5 + [B_WINS, 9]  # y's second vote has an unknown code
    scores = find_anomalous_voters(voter, a, b, outcome, ratings, min_votes=10)
    assert scores.voters == ["x", "y"]
    assert list(scores.votes) == [5, 1]
    assert not scores.flagged.any()
    assert scores.p_value[0] < 0.02  # five upsets of a 400-point favourite: very unlikely
    flagged = find_anomalous_voters(voter, a, b, outcome, ratings, min_votes=5).flagged
    assert list(flagged) == [True, False]
    with pytest.raises(ValueError, match="same length"):
        find_anomalous_voters(["x"], [0, 1], [1, 0], [0, 0], ratings)


def test_few_votes_per_voter_give_little_power_against_random_voters():
    """Not a goal but a fact to report: with 20-80 votes a coin-flipping voter is hard to tell
    from an honest one on a board this close, while adversarial voters are still caught."""
    voter, a, b, outcome, kind = simulate(5, votes=(20, 80))
    models = [f"m{k}" for k in range(N_MODELS)]
    board = rate_battles(models, a, b, outcome, ci="none", ties="drop")
    ratings = np.array([board.row(name).rating for name in models])
    flagged = find_anomalous_voters(voter, a, b, outcome, ratings).flagged
    print(f"20-80 votes: recall random {flagged[kind == 1].mean():.3f}, against the favourite "
          f"{flagged[kind == 2].mean():.3f}, false-positive rate {flagged[kind == 0].mean():.4f}")
    assert flagged[kind == 2].mean() >= 0.8
    assert flagged[kind == 0].mean() <= 0.02
