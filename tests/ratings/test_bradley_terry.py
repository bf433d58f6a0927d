"""Bradley-Terry fits on pair counts: correctness against a direct optimiser, options, edge cases."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import minimize

from arenabot.ratings import (
    A_WINS, B_WINS, BOTH_BAD, TIE, counts_from_battles, counts_from_pairs, rate_battles, rate_pairs,
    ranks_from_intervals,
)

ROWS = [("a", "b", 10, 5, 2, 1), ("b", "c", 7, 7, 3, 0), ("c", "a", 2, 6, 0, 0), ("a", "d", 4, 3, 1, 0),
        ("d", "c", 5, 2, 2, 2)]


def reference_ratings(rows, ties="half", l2_C=None, double=False):
    """Direct numerical optimisation of the same likelihood (independent of our Newton solver)."""
    names = sorted({r[0] for r in rows} | {r[1] for r in rows})
    pos = {n: k for k, n in enumerate(names)}
    c = math.log(10)

    def loss(theta):
        total = 0.0
        for a, b, wa, wb, t, bb in rows:
            d = c * (theta[pos[a]] - theta[pos[b]])
            tt = (t + bb) if ties == "half" else 0.0
            ya, yb = wa + tt / 2, wb + tt / 2
            k = 2.0 if double else 1.0
            total += k * (ya * np.logaddexp(0, -d) + yb * np.logaddexp(0, d))
        if l2_C is not None:
            total = total + 0.5 / l2_C * theta @ theta  # sklearn: 0.5||w||^2 + C * loss, divided by C
        return total

    res = minimize(loss, np.zeros(len(names)), method="BFGS", options={"gtol": 1e-10})
    theta = res.x - (res.x.mean() if l2_C is None else 0.0)
    return {n: 1000 + 400 * theta[pos[n]] for n in names}


@pytest.mark.parametrize("options", [{}, {"ties": "drop"}, {"l2_C": 0.5}, {"l2_C": 1.0, "double": True}])
def test_fit_matches_direct_optimisation(options):
    ours = rate_pairs(ROWS, ci="none", **options).ratings()
    ref = reference_ratings(ROWS, **options)
    for model in ref:
        assert ours[model] == pytest.approx(ref[model], abs=1e-3)


def test_switches_change_the_fit():
    plain = rate_pairs(ROWS, ci="none").ratings()
    assert rate_pairs(ROWS, ci="none", double=True).ratings() == pytest.approx(plain, abs=1e-6)
    for changed in ({"ties": "drop"}, {"l2_C": 0.1}, {"l2_C": 0.1, "double": True}):
        other = rate_pairs(ROWS, ci="none", **changed).ratings()
        assert max(abs(other[m] - plain[m]) for m in plain) > 1.0, changed
    # A penalty pulls ratings towards the mean.
    spread = np.ptp(list(plain.values()))
    assert np.ptp(list(rate_pairs(ROWS, ci="none", l2_C=0.01).ratings().values())) < spread


def test_scale_base_init_and_anchor():
    plain = rate_pairs(ROWS, ci="none").ratings()
    assert np.mean(list(plain.values())) == pytest.approx(1000)
    anchored = rate_pairs(ROWS, ci="none", anchor=("c", 1114.0)).ratings()
    assert anchored["c"] == pytest.approx(1114.0)
    assert anchored["a"] - anchored["b"] == pytest.approx(plain["a"] - plain["b"])
    natural = rate_pairs(ROWS, ci="none", scale=1.0, base=math.e, init=0.0).ratings()
    assert natural["a"] - natural["b"] == pytest.approx((plain["a"] - plain["b"]) * math.log(10) / 400)


def test_board_shape_and_order():
    board = rate_pairs(ROWS)
    ratings = [r.rating for r in board.rows]
    assert ratings == sorted(ratings, reverse=True)
    a = board.row("a")
    assert a.battles == 10 + 5 + 2 + 1 + 2 + 6 + 4 + 3 + 1
    assert a.win_rate == pytest.approx((10 + 1.5 + 6 + 4 + 0.5) / a.battles)
    assert all(r.ci_lower < r.rating < r.ci_upper for r in board.rows)
    assert board.n_battles == sum(sum(r[2:]) for r in ROWS)


def test_rank_rule():
    lower = np.array([10.0, 5.0, 0.0, -20.0])
    upper = np.array([20.0, 15.0, 8.0, -1.0])
    # Model 2's upper (8) is below model 0's lower (10): one model is significantly better.
    assert ranks_from_intervals(lower, upper).tolist() == [1, 1, 2, 4]


@dataclass
class CountRow:
    model_a: str
    model_b: str
    wins_a: int
    wins_b: int
    ties: int
    both_bad: int


def test_rows_as_tuples_dicts_objects_and_in_either_order():
    as_tuples = rate_pairs([("x", "y", 3, 1, 1, 0), ("y", "x", 2, 4, 0, 1)], ci="none").ratings()
    as_objects = rate_pairs([CountRow("x", "y", 7, 3, 1, 1)], ci="none").ratings()
    as_dicts = rate_pairs([{"model_a": "y", "model_b": "x", "wins_a": 3, "wins_b": 7, "ties": 1,
                            "both_bad": 1}], ci="none").ratings()
    assert as_tuples == pytest.approx(as_objects) == as_dicts


def test_bad_rows_are_counted_not_dropped_silently():
    counts = counts_from_pairs([("a", "a", 1, 0, 0, 0), ("a", "b", -1, 0, 0, 0), ("a",), ("a", "b", "x", 0, 0, 0),
                                ("a", "b", 1, 2, 0, 0)])
    assert counts.rejected == {"same model on both sides": 1, "negative or non-finite count": 1,
                               "missing or non-numeric field": 2}
    assert counts.n_battles == 3
    board = rate_pairs([("a", "a", 1, 0, 0, 0), ("a", "b", 1, 2, 0, 0)])
    assert board.rejected == {"same model on both sides": 1}


def test_battle_arrays_validate_each_record():
    counts = counts_from_battles(["a", "b"], [0, 0, 1, 5, 0], [1, 0, 0, 1, 1], [A_WINS, B_WINS, 9, TIE, BOTH_BAD])
    assert counts.rejected == {"same model on both sides": 1, "unknown outcome": 1, "model index out of range": 1}
    assert counts.n_battles == 2


def test_battles_and_counts_agree():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 400)
    b = (a + rng.integers(1, 5, 400)) % 5
    o = rng.integers(0, 4, 400)
    names = list("vwxyz")
    from_battles = rate_battles(names, a, b, o, ci="none").ratings()
    rows = [(names[x], names[y], int(oc == A_WINS), int(oc == B_WINS), int(oc == TIE), int(oc == BOTH_BAD))
            for x, y, oc in zip(a, b, o)]
    assert rate_pairs(rows, ci="none").ratings() == pytest.approx(from_battles)


# --- defined answers for awkward inputs -----------------------------------------------------

def _finite(board):
    return all(np.isfinite([r.rating, r.ci_lower, r.ci_upper, r.win_rate]).all() for r in board.rows)


def test_no_rows_and_single_model():
    empty = rate_pairs([])
    assert empty.rows == [] and empty.unrated == []
    single = rate_pairs([], models=["solo"])
    assert single.rows == [] and single.unrated == ["solo"]


def test_models_without_counted_games_are_unrated():
    board = rate_pairs([("a", "b", 2, 1, 0, 0), ("a", "c", 0, 0, 3, 0)], models=["new"], ties="drop")
    assert [r.model for r in board.rows] == ["a", "b"]
    assert sorted(board.unrated) == ["c", "new"]


def test_only_ties_gives_equal_ratings():
    board = rate_pairs([("a", "b", 0, 0, 4, 1), ("b", "c", 0, 0, 2, 0)])
    assert [r.rating for r in board.rows] == pytest.approx([1000.0] * 3)
    assert _finite(board)


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_a_model_that_never_loses_or_never_wins_gets_a_finite_rating(ci):
    # a never loses; c never wins.
    board = rate_pairs([("a", "b", 5, 0, 0, 0), ("b", "c", 4, 0, 0, 0), ("a", "c", 4, 0, 0, 0)], ci=ci, rounds=200)
    assert _finite(board)
    assert [r.model for r in board.rows] == ["a", "b", "c"]
    assert any("prior" in n for n in board.notes)


def test_disconnected_groups_are_rated_separately():
    board = rate_pairs([("a", "b", 6, 2, 1, 0), ("c", "d", 1, 5, 0, 0)], anchor=("a", 1200.0))
    assert _finite(board)
    r = board.ratings()
    assert r["a"] == pytest.approx(1200.0)
    assert (r["c"] + r["d"]) / 2 == pytest.approx(1000.0)
    assert any("never met" in n for n in board.notes)
    alone = rate_pairs([("c", "d", 1, 5, 0, 0)], ci="none").ratings()
    assert r["d"] - r["c"] == pytest.approx(alone["d"] - alone["c"])


def test_missing_anchor_falls_back_to_mean_with_a_note():
    board = rate_pairs(ROWS, anchor=("nobody", 1114.0))
    assert np.mean([r.rating for r in board.rows]) == pytest.approx(1000.0)
    assert any("nobody" in n for n in board.notes)


def test_bad_options_are_refused_clearly():
    with pytest.raises(ValueError, match="ties"):
        rate_pairs(ROWS, ties="third")
    with pytest.raises(ValueError, match="C"):
        rate_pairs(ROWS, l2_C=0)
    with pytest.raises(ValueError, match="ci"):
        rate_pairs(ROWS, ci="magic")


def test_json_dict_has_the_contract_fields():
    data = rate_pairs(ROWS).to_dict()
    assert {"method", "n_battles", "models"} <= set(data)
    assert set(data["models"][0]) == {"model", "rating", "ci_lower", "ci_upper", "rank", "battles", "win_rate"}


def test_fast_path_for_store_rows_equals_the_general_path():
    """The store's plain 6-tuples take a vectorised path; it must agree with the per-row one."""
    import random

    from arenabot.ratings.counts import counts_from_pairs

    rng = random.Random(3)
    names = [f"m{i}" for i in range(12)]
    rows = [(rng.choice(names), rng.choice(names), rng.randint(0, 9), rng.randint(0, 9), rng.randint(0, 3), rng.randint(0, 2))
            for _ in range(300)]
    rows.append(("m1", "m2", -1, 0, 0, 0))  # rejected either way
    as_lists = [list(r) for r in rows]  # lists take the general path
    fast, general = counts_from_pairs(rows, models=["extra"]), counts_from_pairs(as_lists, models=["extra"])
    assert fast.models == general.models and fast.rejected == general.rejected
    assert fast.rejected["same model on both sides"] > 0
    for field in ("i", "j", "wins_i", "wins_j", "ties", "both_bad"):
        assert np.array_equal(getattr(fast, field), getattr(general, field)), field
