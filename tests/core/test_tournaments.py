"""Tournaments: a moderator's entrants are the only models drawn while it runs, standings count
revealed battles only (also the progress line in each header), one per scope across processes,
and the end is posted once with a podium; its votes count on the normal boards too."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import Outcome
from arenabot.features.tournaments.service import parse_end
from tests.core.conftest import ALICE, BOB, CAROL, MOD, SCOPE, battle, model
from tests.support.fake_platform import FakePlatform

FOUR = [model("alpha"), model("beta"), model("gamma"), model("delta")]


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # one running tournament per scope and one end are the database's to enforce


def run(service, platform, actor, text, channel="channel-1"):
    return dispatch(service.commands, CommandContext(service, platform, SCOPE, channel, actor), text)


async def vote_and_close(service, platform, thread, record, outcome=Outcome.A, voters=(BOB,)):
    ballot = platform.ballot(thread)
    for voter in voters:
        assert (await service.vote(platform, ballot, voter, outcome, f"e-{record.id}-{voter.user_ref}")).ok
    assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok


async def test_battles_are_drawn_among_the_entrants_and_count_on_the_normal_board(core, platform):
    async with core(models=FOUR, sampling="weighted", rate_limit_battles=1000) as service:
        started = await run(service, platform, MOD, "tournament start name=Spring models=alpha,GAMMA votes=10 category=coding")
        assert started.ok and "**alpha**" in started.text and "**gamma**" in started.text
        for k in range(8):
            reply, thread, record = await battle(service, platform, prompt=f"Question {k}")
            assert reply.ok
            assert {record.model_a, record.model_b} == {"alpha", "gamma"}
            assert "coding" in record.categories
            assert "Tournament **Spring**" in platform.header(thread).text
        await vote_and_close(service, platform, thread, record)
        # An ordinary battle: its vote is on the scope's normal board as well.
        board = await service.leaderboard(SCOPE)
        assert "alpha" in board.text and "gamma" in board.text and "1 counted vote" in board.text
        status = await run(service, platform, ALICE, "tournament status")
        assert status.ok and status.board is not None and {r.model for r in status.board.rows} == {"alpha", "gamma"}
        assert "1/10 votes" in status.text


async def test_progress_and_standings_show_revealed_votes_only(core, platform):
    """An attacker watching headers and `tournament status` learns nothing of open battles' votes."""
    async with core(models=FOUR, rate_limit_battles=1000) as service:
        assert (await run(service, platform, MOD, "tournament start name=Cup models=alpha,beta,gamma votes=50")).ok
        _, thread, record = await battle(service, platform)
        await vote_and_close(service, platform, thread, record, voters=(BOB, CAROL))

        seen = []
        for outcome in (Outcome.A, Outcome.B):
            _, open_thread, open_record = await battle(service, platform, prompt=f"Open one {outcome.value}")
            ballot = platform.ballot(open_thread)
            for voter in (BOB, CAROL):
                assert (await service.vote(platform, ballot, voter, outcome, f"o-{open_record.id}-{voter.user_ref}")).ok
            _, next_thread, _ = await battle(service, platform, prompt=f"Next {outcome.value}")
            header = platform.header(next_thread).text
            status = (await run(service, platform, ALICE, "tournament status")).text
            seen.append((header[header.index("🏆"):], status))
        assert seen[0] == seen[1]
        assert "2/50 votes" in seen[0][0]


async def test_one_tournament_per_scope_even_across_processes(core, platform):
    async with core(models=FOUR, rate_limit_battles=1000) as first, core(models=FOUR, rate_limit_battles=1000) as second:
        results = await asyncio.gather(
            run(first, platform, MOD, "tournament start name=One models=alpha,beta"),
            run(second, platform, MOD, "tournament start name=Two models=gamma,delta"),
        )
        assert sorted(r.ok for r in results) == [False, True]
        refused = next(r for r in results if not r.ok)
        assert "already running" in refused.text and "tournament stop" in refused.text
        # Another scope may run its own.
        other = CommandContext(first, platform, SCOPE.__class__("fake", "guild-2"), "c", MOD)
        assert (await dispatch(first.commands, other, "tournament start name=Elsewhere models=alpha,beta")).ok


async def test_the_end_is_posted_once_with_a_podium(core, platform):
    async with core(models=FOUR, rate_limit_battles=1000) as first, core(models=FOUR, rate_limit_battles=1000) as second:
        for service in (first, second):
            service.attach_platform(platform)
        assert (await run(first, platform, MOD, "tournament start name=Final models=alpha,beta,gamma votes=10")).ok
        votes = 0
        while votes < 10:
            _, thread, record = await battle(first, platform, prompt=f"Battle {votes}")
            await vote_and_close(first, platform, thread, record, voters=(ALICE, BOB))
            votes += 2
            if votes < 10:
                assert await first.tournaments.finish_due(platform) == 0  # not yet
        ended = await asyncio.gather(first.tournaments.finish_due(platform), second.tournaments.finish_due(platform))
        assert sorted(ended) == [0, 1]
        [(channel, result)] = [p for p in platform.channel_posts if "is over" in p[1].text]
        assert channel == "channel-1" and "Tournament **Final** is over (10 votes reached)" in result.text
        assert "🥇" in result.text and result.file is not None and result.file[1].startswith(b"\x89PNG")
        # Over: battles are drawn from every model again, and status shows the final standings.
        drawn = set()
        for k in range(12):
            reply, _, record = await battle(first, platform, prompt=f"After {k}")
            assert reply.ok
            drawn |= {record.model_a, record.model_b}
        assert "delta" in drawn
        status = await run(second, platform, ALICE, "tournament status")
        assert "finished" in status.text and "Still to separate" not in status.text


async def test_time_up_and_stop_early(core, platform, clock):
    async with core(models=FOUR, rate_limit_battles=1000) as service:
        service.attach_platform(platform)
        assert (await run(service, platform, MOD, "tournament start name=Week models=alpha,beta ends=7d")).ok
        clock.advance(days=6)
        assert await service.tournaments.finish_due(platform) == 0
        clock.advance(days=1, seconds=1)
        assert await service.tournaments.finish_due(platform) == 1
        assert any("is over (its time is up)" in r.text and "no podium" in r.text for _, r in platform.channel_posts)

        assert (await run(service, platform, MOD, "tournament start name=Short models=beta,gamma")).ok
        member = await run(service, platform, ALICE, "tournament stop")
        assert not member.ok
        stopped = await run(service, platform, MOD, "tournament stop")
        assert stopped.ok and any("**Short** is over (stopped by a moderator)" in r.text for _, r in platform.channel_posts)
        assert not (await run(service, platform, MOD, "tournament stop")).ok


async def test_only_the_channel_it_was_started_in(core, platform):
    async with core(models=FOUR, rate_limit_battles=1000) as service:
        assert (await run(service, platform, MOD, "tournament start name=Here models=alpha,beta channel", channel="arena")).ok
        for k in range(4):
            reply = await service.start_battle(platform, SCOPE, "arena", ALICE, f"In the channel {k}")
            assert reply.ok
            record = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
            assert {record.model_a, record.model_b} == {"alpha", "beta"}
        drawn = set()
        for k in range(12):
            reply, _, record = await battle(service, platform, prompt=f"Elsewhere {k}")  # channel-1
            assert reply.ok
            drawn |= {record.model_a, record.model_b}
        assert drawn - {"alpha", "beta"}


async def test_bad_starts_are_refused_clearly(core, platform, clock):
    async with core(models=[*FOUR, model("off", enabled=False)]) as service:
        cases = {
            "tournament start name=X models=alpha,nope": "No enabled model called `nope`",
            "tournament start name=X models=alpha,off": "No enabled model called `off`",
            "tournament start name=X models=alpha,ALPHA": "at least two different models",
            "tournament start name=X models=alpha,beta ends=yesterday": "is not a date",
            "tournament start name=X models=alpha,beta ends=2020-01-01": "already passed",
        }
        for text, expected in cases.items():
            reply = await run(service, platform, MOD, text)
            assert not reply.ok and expected in reply.text, (text, reply.text)
        member = await run(service, platform, ALICE, "tournament start name=X models=alpha,beta")
        assert not member.ok
        assert not (await run(service, platform, ALICE, "tournament status")).ok  # none ran yet

    assert parse_end("2026-01-03", clock()).isoformat().startswith("2026-01-03T23:59:59")
    assert parse_end("12h", clock()) == clock() + timedelta(hours=12)


async def test_too_few_entrants_left_refuses_with_the_reason(core, platform):
    async with core(models=FOUR, rate_limit_battles=1000) as service:
        assert (await run(service, platform, MOD, "tournament start name=Frail models=alpha,beta")).ok
        assert (await service.set_model_enabled(MOD, "beta", False)).ok
        reply = await service.start_battle(platform, SCOPE, "channel-1", BOB, "Once more")
        assert not reply.ok and "Tournament **Frail**" in reply.text


async def test_a_fake_platform_other_than_the_one_it_runs_on_is_left_alone(core):
    discord, slack = FakePlatform("discord"), FakePlatform("slack")
    async with core(models=FOUR, rate_limit_battles=1000) as service:
        assert (await run(service, discord, MOD, "tournament start name=D models=alpha,beta votes=10")).ok
        assert await service.tournaments.finish_due(slack) == 0
