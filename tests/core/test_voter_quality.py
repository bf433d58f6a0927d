"""Issue 11, voter quality through the core: the daily vote cap, membership age from the first
time the bot saw a user (platforms without a join date, like Slack), `voters` for moderators
and `exclude_flagged`, which leaves flagged voters' votes off this scope's boards, reversibly."""

from __future__ import annotations

import math
import random

import pytest

from arenabot.domain import Actor, Outcome
from arenabot.storage import NewBattle
from tests.core.conftest import ALICE, BOB, MOD, SCOPE, battle


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # the store's new queries run on SQLite and PostgreSQL


async def test_the_daily_cap_refuses_new_votes_not_changes(core, platform, clock):
    async with core(reveal_to_voter=False, max_votes_per_day=2) as service:
        ballots = [platform.ballot((await battle(service, platform))[1]) for _ in range(3)]
        assert (await service.vote(platform, ballots[0], BOB, Outcome.A, "e1")).ok
        assert (await service.vote(platform, ballots[1], BOB, Outcome.A, "e2")).ok
        refused = await service.vote(platform, ballots[2], BOB, Outcome.A, "e3")
        assert not refused.ok and refused.private and "limit here is 2 a day" in refused.text
        assert (await service.vote(platform, ballots[0], BOB, Outcome.B, "e4")).ok  # a change is no new vote
        assert (await service.vote(platform, ballots[2], ALICE, Outcome.A, "e5")).ok  # per voter
        clock.advance(hours=25)
        assert (await service.vote(platform, ballots[2], BOB, Outcome.A, "e6")).ok


async def test_membership_starts_when_the_bot_first_sees_a_user(core, platform, clock):
    async with core(reveal_to_voter=False, min_member_age_days=1, min_account_age_days=30) as service:
        _, thread, record = await battle(service, platform)
        # No join date and no account date (as on Slack): the bot's first sight of the user counts.
        refused = await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert not refused.ok and "members vote here after 1 day" in refused.text
        assert (await service.store.get_battle(record.id)).counted_votes == 0
        clock.advance(days=1, minutes=1)
        _, thread, record = await battle(service, platform)
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e2")).ok
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        # A platform that knows the account is new (Discord) is refused on that ground.
        fresh = Actor("fresh", "Fresh", account_created_at=clock.now, joined_at=clock.now.replace(year=2020))
        refused = await service.vote(platform, platform.ballot(thread), fresh, Outcome.A, "e3")
        assert not refused.ok and "accounts must be at least 30 days old" in refused.text


STRENGTH = {"alpha": 600.0, "beta": 400.0, "gamma": 200.0, "delta": 0.0}
HONEST = [f"h{k}" for k in range(12)]


async def _seed_votes(service, clock) -> None:
    """120 revealed battles: three honest voters each (Bradley-Terry on STRENGTH) plus a troll
    who always votes against the stronger model."""
    rng = random.Random(11)
    store = service.store
    for _ in range(120):
        a, b = rng.sample(list(STRENGTH), 2)
        fight = await store.create_battle(NewBattle(SCOPE.key, "fake", "c", "u", a, b, [], "en", "p", clock.now, clock.now))
        p_a = 1 / (1 + 10 ** ((STRENGTH[b] - STRENGTH[a]) / 400))
        for voter in rng.sample(HONEST, 3):
            await store.record_vote(fight.id, voter, Outcome.A if rng.random() < p_a else Outcome.B, event_id=None, now=clock.now)
        await store.record_vote(fight.id, "troll", Outcome.B if p_a > 0.5 else Outcome.A, event_id=None, now=clock.now)
        assert await store.close_battle(fight.id, clock.now)


async def test_voters_lists_the_flagged_and_exclude_flagged_drops_them_reversibly(core, clock):
    models = [{"name": n, "provider": "openai", "model_id": n} for n in STRENGTH]
    async with core(models=models) as service:
        await _seed_votes(service, clock)
        assert not (await service.list_voters(BOB, SCOPE)).ok  # moderators only
        listed = await service.list_voters(MOD, SCOPE)
        assert listed.ok and listed.private
        flagged_lines = [line for line in listed.text.splitlines() if line.startswith("- ")]
        assert len(flagged_lines) == 1 and flagged_lines[0].startswith("- troll: 120 votes")
        assert "still counted" in listed.text

        before = (await service.leaderboard(SCOPE)).board
        stored = await service.store.pair_counts(SCOPE.key, None)
        assert (await service.set_setting(MOD, SCOPE, "exclude_flagged", "true")).ok
        without = (await service.leaderboard(SCOPE)).board
        assert without.votes == before.votes - 120
        spread = lambda board: max(r.rating for r in board.rows) - min(r.rating for r in board.rows)  # noqa: E731
        assert spread(without) > spread(before)  # the troll pulled the ratings together
        assert [r.model for r in without.rows] == ["alpha", "beta", "gamma", "delta"]
        assert await service.store.pair_counts(SCOPE.key, None) == stored  # nothing stored is lost
        assert "left out of this server's boards" in (await service.list_voters(MOD, SCOPE)).text
        assert (await service.set_setting(MOD, SCOPE, "exclude_flagged", "false")).ok
        again = (await service.leaderboard(SCOPE)).board
        assert again.votes == before.votes and all(
            math.isclose(x.rating, y.rating) for x, y in zip(again.rows, before.rows, strict=True)
        )
