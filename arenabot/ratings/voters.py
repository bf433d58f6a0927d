"""Anomalous voters: whose votes agree with the board far less than chance allows.

After Chiang et al. (2024), "Chatbot Arena", section on detecting anomalous users: every vote
gets a p-value under the board's predicted outcome probabilities, a voter's p-values are
combined with Fisher's method, and voters whose combined p-value is tiny are flagged. Random
voters (a coin flip on a lopsided pair) and adversarial ones (always against the favourite)
keep casting votes the board finds unlikely, which honest voters do only by chance.

Two ways to combine a voter's votes (`method`):
- "score" (default): a weighted sum of per-vote residuals, each vote's (picked the favourite -
  predicted chance) weighted by the pair's log-odds gap, standardised to a z-score (one-sided
  normal p-value). It is the likelihood-ratio direction against a coin-flipping voter, so it
  uses lopsided pairs (where a random voter gives itself away) most; ties carry no weight. In
  simulation it flags clearly more random voters than Fisher at the same false-positive rate.
- "fisher": the paper's recipe, Fisher's combination of per-vote p-values.

The per-vote p-value (for "fisher") is one-sided: the probability, under the board, of an outcome that agrees
with the board no more than the observed one (an upset, then a tie, then a win for the
favourite), randomised within the observed outcome so that it is exactly uniform for an
honest voter: then a voter's Fisher statistic follows chi-square with 2k degrees of freedom,
and flagging at `alpha` flags an honest voter with probability `alpha`.
Outcome model: a tie (of either kind) with the board-wide tie rate, otherwise Bradley-Terry.
The numbers inform moderators; they decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .counts import A_WINS, BOTH_BAD, TIE
from .special import expit, normal_cdf


@dataclass
class VoterScores:
    """One entry per voter (in `voters` order)."""

    voters: list
    votes: np.ndarray  # votes tested (valid ones)
    agreement: np.ndarray  # share of decisive votes for the board's favourite
    expected_agreement: np.ndarray  # what an honest voter's share would be on the same battles
    statistic: np.ndarray  # "score": z (negative = disagrees); "fisher": -2 sum(log p)
    p_value: np.ndarray  # chance an honest voter looks at least this unlikely
    flagged: np.ndarray  # bool: p_value < alpha and at least min_votes votes

    def as_rows(self) -> list[dict]:
        return [
            {
                "voter": v,
                "votes": int(n),
                "agreement": float(a),
                "expected_agreement": float(e),
                "p_value": float(p),
                "flagged": bool(f),
            }
            for v, n, a, e, p, f in zip(
                self.voters, self.votes, self.agreement, self.expected_agreement, self.p_value, self.flagged, strict=True
            )
        ]


def vote_p_values(
    model_a: np.ndarray,
    model_b: np.ndarray,
    outcome: np.ndarray,
    ratings: np.ndarray,
    tie_rate: float,
    rng: np.random.Generator,
    scale: float = 400.0,
    base: float = 10.0,
) -> np.ndarray:
    """Randomised one-sided p-value per vote: P(an outcome agreeing with the board no more than
    the observed one), outcomes ordered upset < tie < favourite wins. Uniform on (0, 1) when
    votes follow the board; small for votes against the board's favourite."""
    d = (ratings[model_a] - ratings[model_b]) * math.log(base) / scale
    q = expit(np.abs(d))  # the favourite's chance among decisive votes
    upset_p, tie_p = (1 - tie_rate) * (1 - q), np.full(len(d), tie_rate)
    favourite_is_a = d >= 0
    tie = (outcome == TIE) | (outcome == BOTH_BAD)
    for_favourite = ~tie & ((outcome == A_WINS) == favourite_is_a)
    # Exactly level pairs: either side is "the favourite" with the same probability, so the
    # two sides are treated alike by letting an A win stand for the favourite.
    below = np.where(for_favourite, upset_p + tie_p, np.where(tie, upset_p, 0.0))
    own = np.where(for_favourite, (1 - tie_rate) * q, np.where(tie, tie_p, upset_p))
    return np.clip(below + rng.random(len(d)) * own, 1e-300, 1.0)


def find_anomalous_voters(
    voter,
    model_a,
    model_b,
    outcome,
    ratings,
    *,
    scale: float = 400.0,
    base: float = 10.0,
    alpha: float = 0.02,
    min_votes: int = 10,
    method: str = "score",
    seed: int | None = 0,
) -> VoterScores:
    """Score every voter's votes against the board.

    voter: one id per vote (any hashable values); model_a, model_b: indices into `ratings`
    (the board's ratings, e.g. 400/10 scale); outcome: codes A_WINS, B_WINS, TIE, BOTH_BAD.
    Votes with bad indices or codes are ignored. A voter with fewer than `min_votes` votes is
    scored but never flagged (too little evidence). `seed` fixes the randomised p-values.
    For best power pass ratings fitted with ties dropped: counting ties as half wins compresses
    the ratings, which understates how often honest voters pick the favourite.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if method not in ("score", "fisher"):
        raise ValueError(f"method must be 'score' or 'fisher', not {method!r}")
    ratings = np.asarray(ratings, dtype=float)
    voter = np.asarray(voter)
    a = np.asarray(model_a, dtype=np.int64)
    b = np.asarray(model_b, dtype=np.int64)
    o = np.asarray(outcome, dtype=np.int64)
    if not (len(voter) == len(a) == len(b) == len(o)):
        raise ValueError("voter, model_a, model_b and outcome must have the same length")
    m = len(ratings)
    ok = (a >= 0) & (a < m) & (b >= 0) & (b < m) & (a != b) & (o >= A_WINS) & (o <= BOTH_BAD)
    voter, a, b, o = voter[ok], a[ok], b[ok], o[ok]
    ids, who = np.unique(voter, return_inverse=True)
    who = who.ravel()
    k = len(ids)
    tie = (o == TIE) | (o == BOTH_BAD)
    tie_rate = float(np.clip(tie.mean() if len(o) else 0.0, 1e-6, 1 - 1e-6))
    p = vote_p_values(a, b, o, ratings, tie_rate, np.random.default_rng(seed), scale, base)
    votes = np.bincount(who, minlength=k)
    decisive = ~tie
    fav_a = ratings[a] >= ratings[b]
    for_fav = decisive & (fav_a == (o == A_WINS))
    gap = np.abs(ratings[a] - ratings[b]) * math.log(base) / scale
    q = expit(gap)
    if method == "fisher":
        # The chi-square survival function is scipy's (scipy.special, not scipy.stats: a second
        # less to import); only this method loads it.
        from scipy.special import chdtrc

        statistic = np.bincount(who, -2.0 * np.log(p), k)
        p_value = np.where(votes > 0, chdtrc(2 * np.maximum(votes, 1), statistic), 1.0)
    else:
        score = np.bincount(who, np.where(decisive, gap * (for_fav - q), 0.0), k)
        var = np.bincount(who, np.where(decisive, gap**2 * q * (1 - q), 0.0), k)
        statistic = np.divide(score, np.sqrt(var), out=np.zeros(k), where=var > 0)
        p_value = normal_cdf(statistic)
    n_dec = np.bincount(who, decisive, k)
    agreement = np.divide(np.bincount(who, for_fav, k), n_dec, out=np.full(k, np.nan), where=n_dec > 0)
    expected = np.divide(np.bincount(who, np.where(decisive, q, 0.0), k), n_dec, out=np.full(k, np.nan), where=n_dec > 0)
    flagged = (p_value < alpha) & (votes >= min_votes)
    return VoterScores(ids.tolist(), votes, agreement, expected, statistic, p_value, flagged)
