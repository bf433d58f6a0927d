"""The pure vote-to-pair-count arithmetic (storage/tally.py)."""
from __future__ import annotations

import pytest

from arenabot.domain import Outcome
from arenabot.storage import tally


def test_counts_are_kept_with_the_lower_model_name_first():
    assert tally.canonical("alpha", "beta", Outcome.A) == ("alpha", "beta", "wins_a")
    assert tally.canonical("beta", "alpha", Outcome.A) == ("alpha", "beta", "wins_b")
    assert tally.canonical("beta", "alpha", Outcome.TIE) == ("alpha", "beta", "ties")


def test_a_battle_of_a_model_against_itself_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="two different models, got 'alpha' twice"):
        tally.canonical("alpha", "alpha", Outcome.B)
