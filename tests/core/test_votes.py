"""Votes, reveal and the sweeper, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest

from arenabot.domain import Actor, BattleStatus, Outcome
from arenabot.ops.metrics import Metrics
from arenabot.ops.scheduler import LeasedScheduler
from tests.core.conftest import BOB, BOT, CAROL, MOD, SCOPE, battle
from tests.support.fake_platform import FakePlatform
from tests.support.waiting import until_async


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # these run on SQLite and PostgreSQL


async def _board(service, **kw):
    board = (await service.leaderboard(SCOPE, **kw)).board
    return {row.model: row for row in board.rows}, board


async def test_one_vote_per_user_replaced_and_withdrawn(core, platform):
    async with core(reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        ballot = platform.ballot(thread)
        assert "recorded" in (await service.vote(platform, ballot, BOB, Outcome.A, "e1")).text
        assert "changed" in (await service.vote(platform, ballot, BOB, Outcome.B, "e2")).text
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        assert await service.store.pair_counts(SCOPE.key, None) == []  # open: off the boards until the reveal
        # Removing the stale A reaction after switching to B does nothing ...
        assert await service.unvote(platform, ballot, BOB, Outcome.A, "e3") is None
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        # ... removing the current one withdraws the vote.
        assert "withdrawn" in (await service.unvote(platform, ballot, BOB, Outcome.B, "e4")).text
        assert (await service.store.get_battle(record.id)).counted_votes == 0
        assert "recorded" in (await service.vote(platform, ballot, BOB, Outcome.B, "e5")).text
        assert (await _board(service))[1].rows == []
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        counts = await service.store.pair_counts(SCOPE.key, None)
        assert sum(c.wins_a + c.wins_b for c in counts) == 1
        rows, board = await _board(service)
        assert rows[record.model_b].win_rate == 1.0
        assert "clustered by battle" in board.method  # chat boards read the battle patterns


async def test_bots_other_messages_and_replayed_events_have_no_effect(core, platform):
    async with core(reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        ballot = platform.ballot(thread)
        assert await service.vote(platform, ballot, BOT, Outcome.A, "e1") is None
        # Reactions on the replies or header are not votes.
        reply_ref = platform.replies(thread)["Model A"].ref
        assert await service.vote(platform, reply_ref, BOB, Outcome.A, "e2") is None
        assert await service.vote(platform, platform.header(thread).ref, BOB, Outcome.A, "e3") is None
        assert await service.vote(platform, ballot, BOB, Outcome.A, "e4") is not None
        # The same platform event delivered again (also after a change) has no effect at all.
        assert await service.vote(platform, ballot, BOB, Outcome.A, "e4") is None
        await service.vote(platform, ballot, CAROL, Outcome.TIE, "e5")
        assert await service.vote(platform, ballot, CAROL, Outcome.TIE, "e5") is None
        assert await service.unvote(platform, ballot, CAROL, Outcome.TIE, "e5") is None
        assert (await service.store.get_battle(record.id)).counted_votes == 2
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        stats = await service.store.stats(SCOPE.key)
        assert stats.votes == 2 and stats.voters == 2


async def test_the_same_event_from_two_processes_counts_once(core, platform):
    async with core(reveal_to_voter=False) as first, core(reveal_to_voter=False) as second:
        _, thread, record = await battle(first, platform)
        ballot = platform.ballot(thread)
        results = await asyncio.gather(
            *(svc.vote(platform, ballot, Actor(f"user{k}"), Outcome.A, f"evt-{k}") for k in range(10) for svc in (first, second))
        )
        assert sum(r is not None for r in results) == 10  # each event counted once, the replay ignored
        assert (await first.store.get_battle(record.id)).counted_votes == 10
        await asyncio.gather(first.close_battle(platform, MOD, f"#{record.id}"), second.close_battle(platform, MOD, f"#{record.id}"))
        counts = await second.store.pair_counts(SCOPE.key, None)
        assert sum(c.total for c in counts) == 10


async def test_voter_gets_the_names_privately_and_a_failing_dm_is_harmless(core, platform):
    async with core(reveal_to_voter=True) as service:
        _, thread, record = await battle(service, platform)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert len(platform.notifications) == 1
        note = platform.notifications[0]
        assert note.user_ref == "bob" and record.model_a in note.text and record.model_b in note.text
        # Changing the vote does not repeat the names; public messages never carry them before the reveal.
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.B, "e2")
        assert len(platform.notifications) == 1
        assert all(record.model_a not in p for p in platform.posts(thread))
        broken = FakePlatform(platform.name, fail_notify=True)
        broken.threads, broken.messages = platform.threads, platform.messages
        assert (await service.vote(broken, platform.ballot(thread), CAROL, Outcome.A, "e3")).ok


async def test_close_at_vote_threshold_reveals_once_and_later_votes_do_not_count(core, platform):
    async with core(close_after_votes=2, reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        ballot = platform.ballot(thread)
        await service.vote(platform, ballot, BOB, Outcome.A, "e1")
        assert (await service.store.get_battle(record.id)).status is BattleStatus.OPEN
        await service.vote(platform, ballot, CAROL, Outcome.A, "e2")
        closed = await service.store.get_battle(record.id)
        assert closed.status is BattleStatus.CLOSED and closed.counted_votes == 2
        reveals = [p for p in platform.posts(thread) if p.startswith("**Revealed:**")]
        assert len(reveals) == 1 and record.model_a in reveals[0] and record.model_b in reveals[0]
        assert record.model_a in platform.header(thread).text  # header edited on reveal
        late = await service.vote(platform, ballot, Actor("dave"), Outcome.B, "e3")
        assert not late.ok and "already revealed" in late.text
        # A blind vote changed after the reveal stays as it was.
        await service.vote(platform, ballot, BOB, Outcome.B, "e4")
        assert (await service.store.get_battle(record.id)).counted_votes == 2
        rows, board = await _board(service)
        assert board.votes == 2 and rows[record.model_a].win_rate == 1.0


async def test_sweeper_reveals_expired_battles_even_across_a_restart(core, clock):
    first_platform = FakePlatform()
    async with core(battle_window_minutes=30) as service:
        _, old_thread, old = await battle(service, first_platform, "old battle")
        await service.vote(first_platform, first_platform.ballot(old_thread), BOB, Outcome.A, "e1")
        clock.advance(minutes=20)
        _, _, young = await battle(service, first_platform, "young battle", actor=CAROL)
        assert await service.sweep(first_platform) == 0
    # "Restart": a new process and platform connection on the same database.
    clock.advance(minutes=15)
    restarted = FakePlatform()
    restarted.threads, restarted.messages = first_platform.threads, first_platform.messages
    async with core(battle_window_minutes=30) as service:
        assert await service.sweep(restarted) == 1
        assert (await service.store.get_battle(old.id)).status is BattleStatus.CLOSED
        assert (await service.store.get_battle(young.id)).status is BattleStatus.OPEN
        assert any(p.startswith("**Revealed:**") for p in restarted.posts(old_thread))
        late = await service.vote(restarted, restarted.ballot(old_thread), CAROL, Outcome.B, "e2")
        assert "already revealed" in late.text
        assert (await service.store.get_battle(old.id)).counted_votes == 1


async def test_two_processes_sweeping_the_same_database_reveal_each_battle_once(core, clock):
    platform = FakePlatform()
    async with core(battle_window_minutes=5, rate_limit_battles=100) as one, core(battle_window_minutes=5) as two:
        threads = []
        for k in range(6):
            _, thread, _ = await battle(one, platform, f"prompt {k}")
            threads.append(thread)
        clock.advance(minutes=6)
        revealed = await asyncio.gather(one.sweep(platform), two.sweep(platform), one.sweep(platform), two.sweep(platform))
        assert sum(revealed) == 6
        for thread in threads:
            assert len([p for p in platform.posts(thread) if p.startswith("**Revealed:**")]) == 1
        assert await one.sweep(platform) == 0


async def test_sweeper_only_touches_its_own_platform(core, clock):
    slack, discord = FakePlatform("slack"), FakePlatform("discord")
    async with core(battle_window_minutes=5) as service:
        await battle(service, slack)
        await battle(service, discord, actor=BOB)
        clock.advance(minutes=10)
        assert await service.sweep(slack) == 1
        assert await service.sweep(discord) == 1


async def test_run_sweeper_loops_until_cancelled(core, clock):
    platform = FakePlatform()
    async with core(battle_window_minutes=1, sweep_interval_seconds=0.01) as service:
        _, thread, record = await battle(service, platform)
        clock.advance(minutes=2)
        # The supervisor's scheduler runs the sweeps of the platforms adapters attach.
        service.attach_platform(platform)
        task = asyncio.create_task(LeasedScheduler(service.store, Metrics()).run(service.periodic_jobs))

        async def closed() -> bool:
            return (await service.store.get_battle(record.id)).status is BattleStatus.CLOSED

        await until_async(closed, what="the sweeper to close the battle")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert (await service.store.get_battle(record.id)).status is BattleStatus.CLOSED
        assert task.cancelled()
