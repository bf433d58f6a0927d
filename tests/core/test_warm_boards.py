"""Warm boards through the service, on SQLite and PostgreSQL: after any series of reveals and
voids, made by this service or by another one on the same database (another process), the kept,
incrementally updated board equals a cold board computed from scratch; an unchanged board is
answered without reading a pattern; votes on an open battle change nothing a board request sees,
not even which work it does."""

from __future__ import annotations

import random
from contextlib import AsyncExitStack

import pytest

from arenabot.domain import Outcome
from arenabot.features.boards.warm import WarmBoards
from arenabot.leaderboard import LeaderboardCache
from arenabot.storage import NewBattle, Store
from tests.core.conftest import OTHER_SCOPE, SCOPE, Clock

MODELS = ["alpha", "beta", "gamma", "delta", "eps"]
BOARDS = [  # (scope, category, global_, mode)
    (SCOPE, None, False, "anonymous"),
    (SCOPE, "coding", False, "anonymous"),
    (SCOPE, None, True, "anonymous"),
    (OTHER_SCOPE, None, False, "anonymous"),
    (SCOPE, None, False, "named"),
]


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # SQLite and PostgreSQL


class Reads:
    """How many pattern rows each board request read (a spy on the real method, which still runs)."""

    def __init__(self, store: Store) -> None:
        self.rows: list[int] = []
        real = store.board_changes

        async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
            version, changed = await real(*args, **kwargs)
            self.rows.append(len(changed))
            return version, changed

        store.board_changes = spy  # type: ignore[method-assign]


async def version_of(store: Store) -> int:
    return (await store.board_changes(SCOPE.key, None, "anonymous", 2**62))[0]


async def reveal(store: Store, rng: random.Random, clock: Clock, *, scope=SCOPE, anony: bool = True) -> int:  # type: ignore[no-untyped-def]
    a, b = rng.sample(MODELS, 2)
    new = NewBattle(
        scope.key, scope.platform, "c", "creator", a, b, rng.choice([[], ["coding"]]), "en", "p", clock.now, clock.now, anony
    )
    fight = await store.create_battle(new)
    voters = rng.randint(1, 3)
    for k in range(voters):
        outcome = rng.choice([Outcome.A, Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD])
        # The last vote closes it (on PostgreSQL: in the server-side vote function).
        await store.record_vote(fight.id, f"u{k}", outcome, event_id=None, now=clock.now, close_after=voters)
    return fight.id


def values(reply) -> tuple:  # type: ignore[no-untyped-def]
    board = reply.board
    return board.votes, board.method, board.notes, [(r.model, r.rank, r.battles, r.win_rate) for r in board.rows]


def numbers(reply) -> list[float]:  # type: ignore[no-untyped-def]
    return [x for r in reply.board.rows for x in (r.rating, r.ci_lower, r.ci_upper)]


async def assert_warm_equals_cold(warm_service, cold_service) -> None:  # type: ignore[no-untyped-def]
    for scope, category, global_, mode in BOARDS:
        cold_service.boards.warm = WarmBoards(cold_service.state)  # forget everything: a cold board
        warm = await warm_service.leaderboard(scope, category=category, global_=global_, mode=mode, top=50)
        cold = await cold_service.leaderboard(scope, category=category, global_=global_, mode=mode, top=50)
        assert values(warm) == values(cold)
        assert numbers(warm) == pytest.approx(numbers(cold), abs=1e-9, rel=0)
        # And both equal the board the pre-warm code computed from every pattern row.
        scope_key = None if global_ else scope.key
        patterns = await cold_service.store.battle_patterns(scope_key, category, mode)
        reference = LeaderboardCache().board(patterns, title="", top=50)
        assert [(r.model, r.rank, r.battles, r.win_rate) for r in reference.rows] == values(warm)[3]
        assert numbers(warm) == pytest.approx(
            [x for r in reference.rows for x in (r.rating, r.ci_lower, r.ci_upper)], abs=1e-9, rel=0
        )


async def test_warm_boards_follow_reveals_and_voids_in_this_and_another_service(core, core_db_url, clock) -> None:
    rng = random.Random(5)
    async with AsyncExitStack() as stack:
        here = await stack.enter_async_context(core())
        # A second service on the same database: another process as far as the data goes.
        there = await stack.enter_async_context(core())
        judge = await stack.enter_async_context(core())
        revealed: list[int] = []
        for round_ in range(6):
            writer = here if round_ % 2 else there
            for _ in range(rng.randint(1, 6)):
                revealed.append(await reveal(writer.store, rng, clock, scope=rng.choice([SCOPE, SCOPE, OTHER_SCOPE])))
            if rng.random() < 0.5:
                revealed.append(await reveal(writer.store, rng, clock, anony=False))
            if round_ >= 2:
                assert await writer.store.void_battle(revealed.pop(rng.randrange(len(revealed))), "spam")
                await writer.store.add_categories(revealed[-1], ["coding"])
            await assert_warm_equals_cold(here, judge)
            await assert_warm_equals_cold(there, judge)


async def test_an_unchanged_board_reads_no_pattern_and_open_battles_change_nothing(core, clock) -> None:
    rng = random.Random(2)
    async with core() as service:
        for _ in range(5):
            await reveal(service.store, rng, clock)
        stored = len(await service.store.battle_patterns(SCOPE.key, None))
        version = await version_of(service.store)
        reads = Reads(service.store)
        first = await service.leaderboard(SCOPE)
        assert reads.rows == [stored]  # a cold board reads every row once
        again = await service.leaderboard(SCOPE, top=2)
        assert reads.rows == [stored, 0] and again.board.rows == first.board.rows[:2]
        # Votes on an open battle: same version, same answer, no row read (its timing shows nothing).
        fight = await service.store.create_battle(
            NewBattle(SCOPE.key, "fake", "c", "x", "alpha", "beta", ["coding"], "en", "p", clock.now, clock.now)
        )
        for k in range(4):
            await service.store.record_vote(fight.id, f"v{k}", Outcome.A, event_id=None, now=clock.now)
        assert await version_of(service.store) == version
        assert (await service.leaderboard(SCOPE)).board == first.board and reads.rows[-1] == 0
        assert await service.store.close_battle(fight.id, clock.now)
        after = await service.leaderboard(SCOPE)
        assert reads.rows[-1] == 1 and after.board.votes == first.board.votes + 4  # read: only what changed
        # A change in another category of the scope only: the version moves, this board does not.
        await service.store.add_categories(fight.id, ["math"])
        assert await version_of(service.store) > version + 1
        assert (await service.leaderboard(SCOPE)).board == after.board and reads.rows[-1] == 0


async def test_flagged_voters_left_out_on_a_warm_board(core, clock) -> None:
    """exclude_flagged: a change rebuilds the board from every row (through the voters feature);
    the result equals a cold service's."""
    rng = random.Random(9)
    async with core(exclude_flagged=True) as service, core(exclude_flagged=True) as judge:
        for _ in range(40):
            await reveal(service.store, rng, clock)
        # A voter who always votes for the board's underdog.
        for _ in range(15):
            fight = await service.store.create_battle(
                NewBattle(SCOPE.key, "fake", "c", "x", "alpha", "eps", [], "en", "p", clock.now, clock.now)
            )
            await service.store.record_vote(fight.id, "contrarian", Outcome.B, event_id=None, now=clock.now, close_after=1)
        assert any(s.flagged for s in await service.voter_scores.scores(SCOPE.key))
        await service.leaderboard(SCOPE)  # kept
        await reveal(service.store, rng, clock)
        warm = await service.leaderboard(SCOPE)
        stored = sum((p[2] + p[3] + p[4] + p[5]) * p[6] for p in await service.store.battle_patterns(SCOPE.key, None))
        assert warm.board.votes < stored  # the flagged voters' votes are left out
        cold = await judge.leaderboard(SCOPE)
        assert values(warm) == values(cold)
        assert numbers(warm) == pytest.approx(numbers(cold), abs=1e-9, rel=0)
