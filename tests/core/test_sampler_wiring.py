"""Issue 11, sampler wiring: per-model preferred opponents (config and `model targets`) and the
new-model boost (per-scope settings) reach the sampler, and `/arena models` shows them to
moderators only."""

from __future__ import annotations

import pytest

from arenabot.features.battles import service as battles_service
from tests.core.conftest import BOB, MOD, SCOPE, battle, model


@pytest.fixture
def sampled(monkeypatch):
    """Every sampler call's candidates and options (the real sampler still draws)."""
    calls = []
    real = battles_service.sample_pair

    def spy(candidates, rng, **options):
        calls.append(({c.name: c for c in candidates}, options))
        return real(candidates, rng, **options)

    monkeypatch.setattr(battles_service, "sample_pair", spy)
    return calls


MODELS = [model("alpha", targets=["beta"]), model("beta"), model("gamma"), model("delta")]


async def test_targets_and_the_new_model_boost_reach_the_sampler(core, platform, sampled):
    async with core(models=MODELS) as service:
        await battle(service, platform)
        candidates, options = sampled[-1]
        assert candidates["alpha"].targets == ("beta",) and candidates["gamma"].targets == ()
        assert options["board"] is None  # weighted and no boost: no board needed
        assert (await service.set_model_targets(MOD, "gamma", "alpha, delta")).ok
        assert (await service.set_model_targets(MOD, "alpha", "")).ok  # clears
        assert (await service.set_setting(MOD, SCOPE, "new_model_battles", "50")).ok
        assert (await service.set_setting(MOD, SCOPE, "new_model_boost", "4")).ok
        await battle(service, platform)
        candidates, options = sampled[-1]
        assert candidates["gamma"].targets == ("alpha", "delta") and candidates["alpha"].targets == ()
        assert options["new_model_boost"] == 4 and options["new_model_battles"] == 50
        assert options["board"] is not None  # the boost counts each model's battles on the board


async def test_bad_targets_are_refused_with_the_reason(core):
    async with core(models=MODELS) as service:
        assert "moderator" in (await service.set_model_targets(BOB, "alpha", "gamma")).text.lower()
        unknown = await service.set_model_targets(MOD, "alpha", "gamma, nobody")
        assert not unknown.ok and "'nobody'" in unknown.text
        own = await service.set_model_targets(MOD, "alpha", "alpha")
        assert not own.ok and "own opponent" in own.text
        assert not (await service.set_model_targets(MOD, "nobody", "alpha")).ok
        assert not (await service.set_setting(MOD, SCOPE, "new_model_boost", "0.5")).ok  # a boost is at least 1


async def test_models_shows_targets_and_the_boost_to_moderators_only(core):
    async with core(models=MODELS) as service:
        assert (await service.set_setting(MOD, SCOPE, "new_model_battles", "50")).ok
        moderator = await service.models_overview(SCOPE, MOD)
        assert moderator.private
        assert "prefers beta" in moderator.text and "sampled x5 (0 votes so far)" in moderator.text
        assert "until they have 50 votes" in moderator.text
        member = (await service.models_overview(SCOPE, BOB)).text
        assert "prefers" not in member and "sampled x" not in member
